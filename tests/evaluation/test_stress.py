"""The stress check: fixed families batched first, early exit, rows in registry order."""

from __future__ import annotations

import pytest
import torch

from parity.core.config import Config
from parity.evaluation.families import ALL, bits_text
from parity.evaluation.long_strings import LONG_CHECK, LONG_SIZE, long_length, long_size
from parity.evaluation.short_strings import SHORT_CHECK
from parity.evaluation.stacked_checks import check_many
from parity.evaluation.stress import (
    BLOCK_ROWS,
    CHECK_FACTOR,
    StressSuite,
    check_length,
    config_suite,
)
from parity.evaluation.verdict import FAILS_RANDOM, judge


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


class Trap(torch.nn.Module):
    """Exact parity, except that a string holding `pattern` anywhere is answered wrong: a rare
    trap, as some trained GRUs have (bench/ARCHITECTURES.md)."""

    def __init__(self, pattern: torch.Tensor):
        super().__init__()
        self.pattern, self.rows = pattern, 0

    def predict(self, bits, lengths):
        self.rows += len(bits)
        parity = torch.stack([row[:n].sum() for row, n in zip(bits, lengths, strict=True)])
        return (parity.long() % 2) ^ holds(bits, lengths, self.pattern).long()


def holds(bits, lengths, pattern) -> torch.Tensor:
    """Whether each row's first `length` bits hold `pattern`, (B,) bool."""
    k = len(pattern)
    if bits.shape[1] < k:
        return torch.zeros(len(bits), dtype=torch.bool)
    windows = (bits.unfold(1, k, 1) == pattern).all(-1)  # (B, L - k + 1)
    inside = torch.arange(windows.shape[1])[None, :] <= (lengths[:, None] - k)
    return (windows & inside).any(1)


def test_a_rare_trap_the_long_random_strings_meet_fails_the_check():
    config = Config(test_min_len=5, test_max_len=30, seed=3)
    suite = config_suite(config)
    long = dict(suite.random)[LONG_CHECK]
    assert set(long.lengths.tolist()) == {long_length(30)} == {1500} and len(long) == LONG_SIZE
    pattern = long.bits[1300, 100:124]  # 24 bits that none of the shorter strings hold
    for name, batch in suite.random:
        if name != LONG_CHECK:
            assert not holds(batch.bits, batch.lengths, pattern).any(), name
    trapped = holds(long.bits, long.lengths, pattern)
    first = int(trapped.nonzero()[0])
    assert first <= 1300 and suite.run(Trap(pattern)).failure is not None

    model = Trap(pattern)
    outcome = suite.run(model, stop_early=True)
    assert outcome.failure == (LONG_CHECK, bits_text(long.bits[first]))
    blocks = first // BLOCK_ROWS // 2 * 2 + 2  # it stops after the pair of blocks that failed
    assert model.rows - (len(suite.fixed) + sum(len(b) for _, b in suite.random[:-1])) - 8190 == (
        blocks * BLOCK_ROWS
    )
    full = suite.run(Trap(pattern))
    (row,) = [r for r in full.rows if r.check == LONG_CHECK]
    assert row.length == 1500 and row.strings == LONG_SIZE
    assert row.accuracy == pytest.approx(1 - int(trapped.sum()) / LONG_SIZE)  # float32 mean
    assert all(r.accuracy == 1.0 for r in full.rows if r.check != LONG_CHECK)
    assert [r.check for r in full.rows] == [*ALL, LONG_CHECK, SHORT_CHECK]
    (stacked,) = check_many([Trap(pattern)], [suite])
    assert stacked.failure == outcome.failure  # the batched training's check finds the same
    verdict = judge(1.0, (5, 30), full)
    assert verdict.status == FAILS_RANDOM and "random strings of length 1,500" in verdict.headline


def test_the_long_strings_are_fifty_times_the_test_maximum_within_ten_million_bits():
    assert (long_length(100), long_size(long_length(100))) == (5000, LONG_SIZE) == (5000, 2000)
    assert (long_length(1000), long_size(long_length(1000))) == (10_000, 1000)  # capped
    suite = config_suite(Config(test_min_len=100, test_max_len=1000))
    long = dict(suite.random)[LONG_CHECK]
    assert long.bits.shape == (1000, 10_000)
