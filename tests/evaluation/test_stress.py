"""The stress check: fixed families batched first, early exit, rows in registry order."""

from __future__ import annotations

import pytest
import torch

from parity.core.config import Config
from parity.evaluation import families, long_strings
from parity.evaluation.families import ALL, bits_text
from parity.evaluation.guided import GUIDED_CHECK
from parity.evaluation.long_strings import (
    BLOCK_ROWS,
    LONG_BITS,
    LONG_CHECK,
    LONG_CHECKS,
    LONG_SIZE,
    is_long,
    long_length,
    long_sizes,
)
from parity.evaluation.short_strings import SHORT_CHECK
from parity.evaluation.stacked_checks import check_many
from parity.evaluation.stress import (
    CHECK_FACTOR,
    StressSuite,
    check_length,
    config_suite,
)
from parity.evaluation.verdict import FAILS_FAMILY, FAILS_RANDOM, judge
from tests.handbuilt import lstm_flipper, minsky_lstm


class Decays(torch.nn.Module):
    """Parity forgotten after `after` zeros in a row: the flaw random strings hide."""

    def __init__(self, after: int):
        super().__init__()
        self.after, self.calls = after, 0
        self.head = torch.nn.Identity()

    def step_floats(self) -> int:
        return 4

    def run(self, bits, state=None):
        """The answer after every bit, as logits (B, T, 1); state: (B, 2) the parity so far
        and the zeros since the last 1 (a fixed size, as a network's: the structured check
        steps a tree of states)."""
        state = torch.zeros(len(bits), 2) if state is None else state
        steps = torch.arange(bits.shape[1])
        last_one = torch.where(bits > 0, steps, -1).cummax(1).values
        parity = (bits.cumsum(1) + state[:, :1]).remainder(2)
        zeros = torch.where(last_one >= 0, steps - last_one, state[:, 1:] + steps + 1)
        answers = torch.where(zeros >= self.after, 0.0, parity)
        return (answers * 2 - 1).unsqueeze(-1), torch.stack([parity[:, -1], zeros[:, -1]], 1)

    def forward(self, bits):  # logits after every bit, as the guided search reads them
        return self.run(bits)[0].squeeze(-1)

    def predict(self, bits, lengths):
        self.calls += 1
        answers = []
        for row, n in zip(bits, lengths.tolist(), strict=True):
            text = "".join(str(int(b)) for b in row[:n].tolist())
            tail = len(text) - len(text.rstrip("0"))
            answers.append(0 if tail >= self.after else text.count("1") % 2)
        return torch.tensor(answers)


class Exact(Decays):
    def __init__(self):
        super().__init__(after=10**9)


def test_a_perfect_model_passes_with_a_row_for_every_family():
    outcome = StressSuite(60, seed=1, size=40, others=10).run(Exact())
    assert outcome.passed and outcome.failure is None
    assert [r.check for r in outcome.rows] == [*ALL, SHORT_CHECK]  # the short strings last
    assert all(r.accuracy == 1.0 for r in outcome.rows)
    assert [r.length for r in outcome.rows] == [60] * len(ALL) + [14]
    strings = {r.check: r.strings for r in outcome.rows}
    assert strings["random"] == 40 and strings["sparse"] == 10 and strings["all_zeros"] == 1


def test_a_decaying_state_fails_on_the_fixed_families_at_once():
    model = Decays(after=20)
    outcome = StressSuite(60, seed=1, size=40, others=10).run(model, stop_early=True)
    assert not outcome.passed
    assert outcome.failure == ("one_then_zeros", "1" + "0" * 59)
    assert model.calls == 1  # one batch of fixed families: no short string, no random one
    fixed = {"one_then_zeros", "zeros_then_one", "all_ones", "all_zeros", "alternating"}
    assert {r.check for r in outcome.rows} == fixed | {"periodic"}
    full = StressSuite(60, seed=1, size=40, others=10).run(Decays(after=20))
    acc = {r.check: r.accuracy for r in full.rows}
    assert acc["one_then_zeros"] < 1.0 and acc["zeros_then_one"] == 1.0
    assert acc["dense"] == 1.0 and acc["zero_run"] < 1.0 and len(full.rows) == len(ALL) + 1


def test_the_check_length_is_ten_times_the_test_maximum_capped():
    assert CHECK_FACTOR == 10
    assert check_length(100) == 1000 and check_length(5000) == 10_000
    suite = config_suite(Config(test_min_len=5, test_max_len=30, seed=3))
    assert suite.length == 300 and set(suite.fixed.lengths.tolist()) == {300}
    again = config_suite(Config(test_min_len=5, test_max_len=30, seed=3))
    assert torch.equal(dict(suite.random)["random"].bits, dict(again.random)["random"].bits)


class Trap(torch.nn.Module):
    """Exact parity, except that from the step completing `pattern` the answer is flipped, for
    good (span None) or for `span` steps: a rare trap, as some trained networks have
    (bench/ARCHITECTURES.md). predict() gives the final answers, run() and head the answer
    after every bit, as the long strings read them."""

    def __init__(self, pattern: torch.Tensor, span: int | None = None):
        super().__init__()
        self.pattern, self.span, self.rows = pattern, span, 0
        self.head = torch.nn.Identity()

    def step_floats(self) -> int:
        return 4

    def answers(self, bits: torch.Tensor) -> torch.Tensor:
        """The answer after every bit, (B, T) float in {0, 1}."""
        parity = bits.cumsum(1).remainder(2)
        ends = torch.zeros_like(bits)  # 1 at the step that completes the pattern
        k = len(self.pattern)
        if bits.shape[1] >= k:
            ends[:, k - 1 :] = (bits.unfold(1, k, 1) == self.pattern).all(-1).float()
        seen = ends.cumsum(1)
        if self.span is not None:  # only the last `span` steps' completions count
            seen = seen - torch.nn.functional.pad(seen, (self.span, 0))[:, : bits.shape[1]]
        return (parity + (seen > 0).float()).remainder(2)

    def predict(self, bits, lengths):  # padding comes after a row's last bit: never read
        self.rows += len(bits)
        return self.answers(bits)[torch.arange(len(bits)), lengths - 1].long()

    def forward(self, bits):  # logits after every bit, as the guided search reads them
        return self.answers(bits) * 2 - 1

    def run(self, bits, state=None):  # state: every bit read so far
        self.rows += len(bits) if state is None else 0
        read = bits if state is None else torch.cat([state, bits], 1)
        logits = self.answers(read)[:, -bits.shape[1] :] * 2 - 1
        return logits.unsqueeze(-1), read


def trap_suite(config: Config) -> StressSuite:
    """config_suite(config) without the structured strings: a Trap's state is every bit read,
    which grows, and that check steps a tree of states (its own tests use a Trap of fixed
    state: tests/evaluation/test_structured.py)."""
    suite = config_suite(config)
    suite.structured_to = None
    return suite


def holds(bits, lengths, pattern) -> torch.Tensor:
    """Whether each row's first `length` bits hold `pattern`, (B,) bool."""
    k = len(pattern)
    if bits.shape[1] < k:
        return torch.zeros(len(bits), dtype=torch.bool)
    windows = (bits.unfold(1, k, 1) == pattern).all(-1)  # (B, L - k + 1)
    inside = torch.arange(windows.shape[1])[None, :] <= (lengths[:, None] - k)
    return (windows & inside).any(1)


def first_end(row: torch.Tensor, pattern: torch.Tensor) -> int:
    """The step at which `pattern` first ends in `row`."""
    k = len(pattern)
    return int((row.unfold(0, k, 1) == pattern).all(-1).nonzero()[0]) + k - 1


def short_and_fixed_rows(suite: StressSuite) -> int:
    """Rows a model reads before the long random strings: short strings, fixed and random
    families, the fixed families' long strings."""
    before = [b for n, b in suite.random if not is_long(n) or n in LONG_FIXED_CHECKS]
    return 32_766 + len(suite.fixed) + sum(len(b) for b in before)


LONG_FIXED_CHECKS = [f"long_{n}" for n in long_strings.LONG_FIXED]


def test_a_rare_trap_the_long_random_strings_meet_fails_the_check():
    config = Config(test_min_len=5, test_max_len=30, seed=3)
    suite = trap_suite(config)
    long = dict(suite.random)[LONG_CHECK]
    assert set(long.lengths.tolist()) == {long_length(30)} == {1500} and len(long) == LONG_SIZE
    pattern = long.bits[1300, 100:124]  # 24 bits that none of the other strings hold
    for name, batch in suite.random:
        if name != LONG_CHECK:
            assert not holds(batch.bits, batch.lengths, pattern).any(), name
    trapped = holds(long.bits, long.lengths, pattern)
    first = int(trapped.nonzero()[0])
    assert first <= 1300 and suite.run(Trap(pattern)).failure is not None

    model = Trap(pattern)
    outcome = suite.run(model, stop_early=True)
    wrong = long.bits[first, : first_end(long.bits[first], pattern) + 1]  # the shortest
    assert outcome.failure == (LONG_CHECK, bits_text(wrong))
    blocks = first // BLOCK_ROWS // 2 * 2 + 2  # it stops after the pair of blocks that failed
    assert model.rows - short_and_fixed_rows(suite) == blocks * BLOCK_ROWS
    full = suite.run(Trap(pattern))
    (row,) = [r for r in full.rows if r.check == LONG_CHECK]
    assert row.length == 1500 and row.strings == LONG_SIZE
    assert row.accuracy == pytest.approx(1 - int(trapped.sum()) / LONG_SIZE)  # float32 mean
    assert all(r.accuracy == 1.0 for r in full.rows if r.check != LONG_CHECK)
    assert [r.check for r in full.rows] == [*ALL, *LONG_CHECKS, GUIDED_CHECK, SHORT_CHECK]
    (stacked,) = check_many([Trap(pattern)], [suite])
    assert stacked.failure == outcome.failure  # the batched training's check finds the same
    verdict = judge(1.0, (5, 30), full)
    assert verdict.status == FAILS_RANDOM
    assert f"a {len(wrong):,}-bit prefix of the long random strings of length 1,500" in (
        verdict.headline
    )


def test_a_trap_that_flips_the_answer_for_a_few_steps_is_met_in_a_prefix():
    """Every final answer right, one answer in the middle of a string wrong: the from-scratch
    LSTM of unseen seed 171 was such a network (bench/ARCHITECTURES.md)."""
    suite = trap_suite(Config(test_min_len=5, test_max_len=30, seed=3))
    long = dict(suite.random)[LONG_CHECK]
    pattern = long.bits[1300, 100:124]
    model = Trap(pattern, span=3)
    finals = model.predict(long.bits, long.lengths)
    assert torch.equal(finals, long.parity.long())  # the final answers cannot see it
    trapped = int(holds(long.bits, long.lengths, pattern).nonzero()[0])
    wrong = long.bits[trapped, : first_end(long.bits[trapped], pattern) + 1]
    for outcome in (
        suite.run(model, stop_early=True),
        suite.run(model),
        *check_many([model], [suite]),
    ):
        assert outcome.failure == (LONG_CHECK, bits_text(wrong))


def test_a_trap_in_long_runs_of_zeros_is_met_by_the_long_structured_strings():
    """400 zeros in a row flip the answer: no string of the stress check (300 bits) holds them
    and no long random one, but the long strings of a 1 then zeros, of sparse bits and of long
    runs of zeros do; the fixed family's comes first, and says it in words."""
    suite = trap_suite(Config(test_min_len=5, test_max_len=30, seed=3))
    pattern = torch.zeros(400)
    outcome = suite.run(Trap(pattern))
    rows = {r.check: r for r in outcome.rows}
    assert rows["long_random"].accuracy == 1.0 and rows["long_dense"].accuracy == 1.0
    assert rows["long_zero_run"].accuracy == 0.0  # every run covers 30%-90% of 1,500 bits
    assert 0.0 < rows["long_sparse"].accuracy < 1.0
    assert rows["long_one_then_zeros"].accuracy == 0.0 and rows["long_all_zeros"].accuracy == 0
    assert all(r.accuracy == 1.0 for r in outcome.rows if not is_long(r.check))
    check, text = outcome.failure
    assert check == "long_one_then_zeros" and text == "1" + "0" * 400
    verdict = judge(1.0, (5, 30), outcome)
    assert verdict.status == FAILS_FAMILY and "fails on a 1 followed by 400 zeros" in (
        verdict.headline
    )
    assert len(verdict.headline) <= 300


def test_the_early_check_meets_a_fading_state_in_the_fixed_families_long_strings_first():
    """The stop rule's usual failure, a state that fades under a long run of zeros, costs two
    small batches: the fixed families at the check's length and at the long length, before
    the 32,766 short strings and every random family; the stacked check agrees."""
    suite = trap_suite(Config(test_min_len=5, test_max_len=30, seed=3))
    model = Trap(torch.zeros(400))  # right on everything of 300 bits
    outcome = suite.run(model, stop_early=True)
    assert outcome.failure == ("long_one_then_zeros", "1" + "0" * 400)
    assert model.rows == len(suite.fixed) + len(suite.long_fixed) == 44 + 44
    assert {r.check for r in outcome.rows} == {*families.ALL} - {
        n for n in families.ALL if families.FAMILIES[n].random
    } | set(LONG_FIXED_CHECKS)
    stacked = Trap(torch.zeros(400))
    (mine,) = check_many([stacked], [suite])
    assert mine == outcome and stacked.rows == model.rows
    assert suite.run(Trap(torch.zeros(400))).failure == outcome.failure  # the full run's too


def test_the_long_strings_are_fifty_times_the_test_maximum_within_fifteen_million_bits():
    sizes = long_sizes(long_length(100))
    random_checks = [c for c in LONG_CHECKS if c not in LONG_FIXED_CHECKS]
    assert long_length(100) == 5000 and list(sizes) == random_checks
    assert sizes == {c: 2000 if c == LONG_CHECK else 250 for c in random_checks}
    assert 5000 * sum(sizes.values()) == LONG_BITS == 15_000_000
    capped = long_sizes(long_length(1000))  # 10,000 bits: half as many of each
    assert long_length(1000) == 10_000
    assert capped == {c: 1000 if c == LONG_CHECK else 125 for c in random_checks}
    suite = config_suite(Config(test_min_len=100, test_max_len=1000))
    assert dict(suite.random)[LONG_CHECK].bits.shape == (1000, 10_000)
    assert [n for n, _ in suite.random][-11:] == list(LONG_CHECKS)
    assert [f for f in LONG_CHECKS.values()] == [
        *(n for n in ALL if not families.FAMILIES[n].random),  # the fixed families first
        *("random", "sparse", "dense", "zero_run", "one_run"),
    ]
    fixed = {n: b for n, b in suite.random if n in LONG_FIXED_CHECKS}
    assert sum(len(b) for b in fixed.values()) == 44 == len(suite.fixed)  # each fixed string
    assert all(b.bits.shape[1] == 10_000 for b in fixed.values())


class LateTrap(Trap):
    """Exact parity, except that the answer flips for good once `pattern` ends at step `after`
    or later: a trap only strings longer than `after` can meet."""

    def __init__(self, pattern: torch.Tensor, after: int):
        super().__init__(pattern)
        self.after = after

    def answers(self, bits: torch.Tensor) -> torch.Tensor:
        parity = bits.cumsum(1).remainder(2)
        k, ends = len(self.pattern), torch.zeros_like(bits)
        if bits.shape[1] >= k:
            ends[:, k - 1 :] = (bits.unfold(1, k, 1) == self.pattern).all(-1).float()
        ends[:, : self.after] = 0
        return (parity + (ends.cumsum(1) > 0).float()).remainder(2)


def test_a_trap_only_a_long_short_period_string_meets_fails_the_check():
    """A GRU of unseen seed 416 (from scratch) passed every check, yet answered a short-period
    string of 5,000 bits wrong: a fixed family's strings are read at the long length too."""
    suite = trap_suite(Config(test_min_len=5, test_max_len=30, seed=3))
    pattern = torch.tensor([float(c) for c in "10110" * 5])  # in every rotation of 10110 ...
    model = LateTrap(pattern, after=1200)  # ... but met only past 1,200 bits
    for name, batch in suite.random:  # no other string meets it: only a period can
        if name != "long_periodic" and batch.bits.shape[1] >= 1200:
            windows = (batch.bits.unfold(1, 25, 1) == pattern).all(-1)  # window j ends at j+24
            assert not windows[:, 1200 - 24 :].any(), name
    assert suite.fixed.bits.shape[1] == 300  # the check's length: the trap is beyond it
    outcome = suite.run(model)
    check, text = outcome.failure
    periodic = dict(suite.random)["long_periodic"]
    assert check == "long_periodic" and periodic.bits.shape == (23, 1500)
    assert 1200 <= len(text) <= 1205 and text.endswith("10110" * 5)
    assert text in {bits_text(row[: len(text)]) for row in periodic.bits}
    rows = {r.check: r for r in outcome.rows}
    assert rows["long_periodic"].accuracy == pytest.approx(18 / 23)  # 5 rotations of 10110 wrong
    assert all(r.accuracy == 1.0 for r in outcome.rows if r.check != "long_periodic")
    (stacked,) = check_many([LateTrap(pattern, 1200)], [suite])
    assert stacked.failure == suite.run(LateTrap(pattern, 1200), stop_early=True).failure
    assert stacked.failure == outcome.failure  # the batched training's check finds the same
    verdict = judge(1.0, (5, 30), outcome)
    assert verdict.status == FAILS_FAMILY and not verdict.is_parity_machine
    assert "prefix of the long short periods strings of length 1,500" in verdict.headline


def test_every_prefix_is_read_across_time_chunks(monkeypatch):
    """first_wrong_steps carries the state and the running parity from chunk to chunk: its
    answer is the one read off a single forward."""
    leaky, exact = lstm_flipper(sharpness=4.0), minsky_lstm()
    bits = torch.cat([families.family_batch(n, 600, 32, seed=5).bits for n in ("random", "sparse")])
    whole = (leaky(bits) > 0).float() != bits.cumsum(1).remainder(2)
    want = torch.where(whole.any(1), whole.float().argmax(1), torch.tensor(-1))
    assert (want[:32] < 0).all() and (want[32:] > 7).all()  # sparse: wrong after long zeros
    monkeypatch.setattr(long_strings, "time_chunk", lambda rows, floats: 7)
    assert torch.equal(long_strings.first_wrong_steps(leaky, bits), want)
    assert (long_strings.first_wrong_steps(exact, bits) == -1).all()
