"""The early-stopping stress check: the suite's own answer, from fewer strings when it fails."""

from __future__ import annotations

import torch

from parity.core.config import Config
from parity.evaluation.short_strings import short_batch
from parity.evaluation.stacked_checks import CHUNKS, _chunks, check_many
from parity.evaluation.stress import StressSuite, config_suite
from parity.nets.models import build


class Oracle:
    """A 'model' that knows parity, except for the strings given: wrong on exactly those (in
    its final answers; every answer after a prefix, as the long strings read them, is right)."""

    def __init__(self, wrong: list[torch.Tensor] = ()):
        self.wrong, self.rows_seen = list(wrong), 0

    def step_floats(self) -> int:
        return 4

    def head(self, outputs: torch.Tensor) -> torch.Tensor:
        return outputs

    def run(self, bits: torch.Tensor, state=None):
        """The right answer after every bit (the long strings' read; state: the bits so far)."""
        read = bits if state is None else torch.cat([state, bits], 1)
        parity = read.cumsum(1).remainder(2)[:, -bits.shape[1] :]
        return (parity * 2 - 1).unsqueeze(-1), read

    def predict(self, bits: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        self.rows_seen += len(bits)
        answer = bits.sum(1).remainder(2).long()
        for string in self.wrong:
            if bits.shape[1] < len(string):  # a batch of shorter strings (the short strings)
                continue
            hit = (bits[:, : len(string)] == string).all(1) & (lengths == len(string))
            answer[hit] = 1 - answer[hit]
        return answer


SUITE = StressSuite(length=60, seed=5)


def test_chunks_cover_every_row_once_small_first():
    assert list(_chunks(1000)) == [(0, 64), (64, 320), (320, 1000)]
    assert list(_chunks(250)) == [(0, 64), (64, 250)]
    assert list(_chunks(40)) == [(0, 40)]
    assert CHUNKS == (64, 256)


def test_a_passing_model_gets_the_suites_outcome_row_for_row():
    mine = check_many([Oracle()], [SUITE])[0]
    assert mine == SUITE.run(Oracle(), stop_early=True) and mine.passed


def test_a_failure_in_a_random_family_is_the_suites_first_wrong_string_found_early():
    random = dict(SUITE.random)["random"].bits
    wrong = [random[400], random[30]]  # the suite reports the first: row 30, in chunk one
    early, full = Oracle(wrong), Oracle(wrong)
    mine, theirs = check_many([early], [SUITE])[0], SUITE.run(full, stop_early=True)
    assert not mine.passed and mine.failure == theirs.failure
    assert mine.failure[0] == "random"
    short = len(short_batch())  # every string up to 14 bits runs before the random families
    assert early.rows_seen == short + len(SUITE.fixed) + 64 < full.rows_seen
    assert {r.check for r in mine.rows} < {r.check for r in theirs.rows}  # only finished ones


def test_several_models_each_get_their_own_answer():
    fixed_string = SUITE.fixed.bits[3]
    models = [Oracle(), Oracle([fixed_string]), Oracle([dict(SUITE.random)["random"].bits[100]])]
    other = StressSuite(length=60, seed=6)
    outcomes = check_many(models, [SUITE, SUITE, other])
    assert outcomes[0].passed
    assert outcomes[1] == SUITE.run(Oracle([fixed_string]), stop_early=True)
    assert outcomes[2].passed  # that string is not in the other suite's random family


def test_a_trained_model_gets_the_same_outcome_as_its_suite(default_result):
    suite = config_suite(default_result.config)
    model = default_result.model
    assert check_many([model], [suite])[0] == suite.run(model, stop_early=True)
    untrained = build(Config(seed=3))
    mine = check_many([untrained], [suite])[0]
    assert not mine.passed and mine.failure == suite.run(untrained, stop_early=True).failure


def test_a_familys_chunks_give_its_whole_batchs_predictions_bitwise(default_result):
    """What the early check rests on: a row's answer does not depend on the chunk it is in
    (chunks start at multiples of 64, so the batch's last rows stay its kernel's tail)."""
    suite = config_suite(default_result.config)
    models = [default_result.model, build(Config(seed=3)), build(Config(arch="gru", seed=1))]
    for model in models:
        for _, batch in suite.random:
            whole = model.final_logits(batch.bits, batch.lengths)
            parts = [
                model.final_logits(batch.bits[a:b], batch.lengths[a:b])
                for a, b in _chunks(len(batch))
            ]
            assert torch.equal(torch.cat(parts), whole)


def test_snapshots_of_a_run_get_the_suites_pass_or_fail_and_first_wrong_string():
    """Models on their way to parity (every snapshot of a short run): the early check answers
    what the whole suite answers, and a passing model gets its rows."""
    from parity.training.train import train

    config = Config(seed=1, stop="budget", steps=120, eval_every=20)
    result = train(config)
    suite = config_suite(config)
    outcomes = []
    for _, state in result.snapshots:
        model = build(config)
        model.load_state_dict(state)
        mine, theirs = check_many([model], [suite])[0], suite.run(model, stop_early=True)
        assert (mine.passed, mine.failure) == (theirs.passed, theirs.failure)
        if mine.passed:
            assert mine == suite.run(model)
        outcomes.append(mine.passed)
    assert len(outcomes) >= 5 and not outcomes[0]


def test_threads_give_the_same_outcomes_and_verdicts(default_result, monkeypatch):
    """Spread over threads, the checks and the full suite answer as in one thread."""
    from parity.core import runtime

    suite = config_suite(default_result.config)
    random = dict(suite.random)
    models = [
        default_result.model,  # passes
        build(Config(seed=3)),  # fails a fixed family
        Oracle([random["sparse"].bits[200]]),  # fails the third random family, in chunk two
        Oracle([random["random"].bits[5], random["dense"].bits[0]]),  # the first failure counts
    ]
    serial = check_many(models, [suite] * 4)
    full = suite.run(default_result.model)
    monkeypatch.setattr(runtime, "_evidence_threads", 2)
    assert check_many(models, [suite] * 4) == serial
    assert suite.run(default_result.model) == full
    assert [o.passed for o in serial] == [True, False, False, False]
    assert serial[2].failure == ("sparse", families_text(random["sparse"].bits[200]))
    assert serial[3].failure[0] == "random"


def families_text(bits: torch.Tensor) -> str:
    from parity.evaluation.families import bits_text

    return bits_text(bits)
