"""The stress check: fixed families batched first, early exit, rows in registry order."""

from __future__ import annotations

import torch

from parity.core.config import Config
from parity.evaluation.families import ALL
from parity.evaluation.short_strings import SHORT_CHECK
from parity.evaluation.stress import CHECK_FACTOR, StressSuite, check_length, config_suite


class Decays(torch.nn.Module):
    """Parity forgotten after `after` zeros in a row: the flaw random strings hide."""

    def __init__(self, after: int):
        super().__init__()
        self.after, self.calls = after, 0

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
    assert [r.length for r in outcome.rows] == [60] * len(ALL) + [12]
    strings = {r.check: r.strings for r in outcome.rows}
    assert strings["random"] == 40 and strings["sparse"] == 10 and strings["all_zeros"] == 1


def test_a_decaying_state_fails_on_the_fixed_families_at_once():
    model = Decays(after=20)
    outcome = StressSuite(60, seed=1, size=40, others=10).run(model, stop_early=True)
    assert not outcome.passed
    assert outcome.failure == ("one_then_zeros", "1" + "0" * 59)
    assert model.calls == 2  # the short strings, one batch of fixed families, no random one
    fixed = {"one_then_zeros", "zeros_then_one", "all_ones", "all_zeros", "alternating"}
    assert {r.check for r in outcome.rows} == fixed | {"periodic", SHORT_CHECK}
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
