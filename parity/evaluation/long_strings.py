"""The check for rare traps: many strings far longer than the stress check's, every prefix read.

Some trained networks are right on every stress family at 10x the test maximum, yet a rare
pattern of bits knocks their state into the wrong parity, for good or for a few steps. On
unseen seeds 100..199 (bench/ARCHITECTURES.md): 2 of 98 default GRUs called parity machines
were wrong on 1 to 5 random strings in 10,000 of 1,000 bits; with the long random strings
added, 5 of 586 parity machines were still wrong on a held-out string. Four of those five are
wrong on the strings of a random family far longer than the stress check's: an LSTM and a
GRU whose answer flips for a few steps after a rare pattern and then comes back (every final
answer right, so only a prefix shows it), a GRU that drifts on sparse strings of 5,000 bits
(234 of 1,000 strings with a wrong prefix) and one that drifts inside long runs of zeros.

Such a trap is a chance per bit read, so the way to meet it is more bits, and every answer
they give: LONG_SIZE random strings and LONG_OTHERS of each other random family (sparse,
dense, a long run of 0s, a long run of 1s) of LONG_FACTOR x the test maximum (5,000 bits for
the defaults: 15 million bits), and the network's answer after every one of their bits: each
prefix is a string of its own, so 15 million strings are checked at the price of reading
3,000. Before them, the 44 strings of the fixed families (a 1 then zeros, short periods, ...)
at that length, every prefix read too: a GRU of unseen seed 416, right on every check at 1,000
bits, answered one short-period string of 5,000 bits wrong, a trap no random string met. The
44 run as one block of rows on every path (a few thousand steps of one forward); the stop
rule's early check reads them right after the fixed families at the check's length, since a
state that fades under long runs of zeros is the usual failure. The random ones run last, once
the cheaper checks have passed, in fixed blocks of BLOCK_ROWS rows so that a row's answers
never depend on the path that ran it.
"""

from __future__ import annotations

import torch

from ..core.config import MAX_TEST_LEN
from ..core.data import Batch
from ..core.runtime import thread_map
from ..nets.models import time_chunk
from . import families

LONG_FIXED = tuple(n for n in families.ALL if not families.FAMILIES[n].random)
LONG_RANDOM = tuple(n for n in families.ALL if families.FAMILIES[n].random)
LONG_FAMILIES = (*LONG_FIXED, *LONG_RANDOM)  # the fixed families first: a few strings each
LONG_CHECKS = {f"long_{n}": n for n in LONG_FAMILIES}  # check name -> family, in order
LONG_FIXED_CHECKS = tuple(f"long_{n}" for n in LONG_FIXED)  # run as one block (is_long_fixed)
LONG_CHECK = "long_random"  # the long random strings' check
LONG_FACTOR = 50  # x the test maximum, capped at MAX_TEST_LEN
LONG_SIZE = 2000  # random strings, ...
LONG_OTHERS = 250  # ... and strings of each other random family, ...
LONG_BITS = 15_000_000  # ... or proportionally fewer, so that at most this many bits are read
LONG_SEED_OFFSET = 7_000_009  # apart from the stress check's strings
BLOCK_ROWS = 128  # rows of one forward (a multiple of 64)


def long_length(test_max_len: int) -> int:
    """LONG_FACTOR x the test maximum, capped at MAX_TEST_LEN."""
    return min(test_max_len * LONG_FACTOR, MAX_TEST_LEN)


def long_sizes(length: int) -> dict[str, int]:
    """Strings of `length` bits per long check of a random family: LONG_SIZE random and
    LONG_OTHERS of each other random family, all scaled down alike past LONG_BITS bits (half
    as many at 10,000 bits). A fixed family has its own strings (44 in all, any length)."""
    wanted = {f"long_{f}": LONG_SIZE if f == "random" else LONG_OTHERS for f in LONG_RANDOM}
    scale = min(1.0, LONG_BITS / (length * sum(wanted.values())))
    return {check: max(1, int(count * scale)) for check, count in wanted.items()}


def long_batches(length: int, seed: int) -> list[tuple[str, Batch]]:
    """(check, strings) for every long check, in LONG_CHECKS order; the same seed, the same
    strings."""
    sizes = long_sizes(length)
    return [
        (check, families.family_batch(name, length, sizes.get(check, 0), seed + LONG_SEED_OFFSET))
        for check, name in LONG_CHECKS.items()
    ]


def is_long(check: str) -> bool:
    return check in LONG_CHECKS


def is_long_fixed(check: str) -> bool:
    """A fixed family's long strings: the suite reads all of them as one block of rows."""
    return check in LONG_FIXED_CHECKS


def long_label(check: str) -> str:
    """'long_sparse' -> 'sparse (2% ones), every prefix'."""
    return f"{families.FAMILIES[LONG_CHECKS[check]].label}, every prefix"


@torch.no_grad()
def first_wrong_steps(model, bits: torch.Tensor) -> torch.Tensor:
    """The first step whose answer is wrong in each row, (B,) int64, -1 where every prefix is
    answered right; rows are all of one length. Runs time in chunks (memory bounded)."""
    rows, total = bits.shape
    chunk = time_chunk(rows, model.step_floats())
    first = torch.full((rows,), -1, dtype=torch.int64)
    parity = torch.zeros(rows)
    state = None
    for start in range(0, total, chunk):
        part = bits[:, start : start + chunk]
        outputs, state = model.run(part, state)
        answers = (model.head(outputs).squeeze(-1) > 0).float()
        running = (part.cumsum(dim=1) + parity.unsqueeze(1)).remainder(2)
        parity = running[:, -1]
        wrong = answers != running
        new = (first < 0) & wrong.any(dim=1)
        first[new] = start + wrong[new].float().argmax(dim=1)
    return first


def long_steps(model, batch: Batch, stop_early: bool, threads: int | None = None):
    """first_wrong_steps for the rows run, (rows run,) int64.

    The rows run in blocks of BLOCK_ROWS, two at a time over up to `threads` threads
    (default runtime.evidence_threads()); every path runs the same blocks, so a row's answers
    never depend on the path (nn.LSTM's answers depend on the rows run beside them in the
    last float bit). stop_early: stop after the first two blocks holding a wrong answer.
    """
    blocks = [batch.bits[a : a + BLOCK_ROWS] for a in range(0, len(batch), BLOCK_ROWS)]

    def steps(block: torch.Tensor) -> torch.Tensor:
        return first_wrong_steps(model, block)

    if not stop_early:
        return torch.cat(thread_map(steps, blocks, threads))
    done: list[torch.Tensor] = []
    for k in range(0, len(blocks), 2):
        done += thread_map(steps, blocks[k : k + 2], threads)
        if any(bool((block >= 0).any()) for block in done[k:]):
            break
    return torch.cat(done)


def first_wrong_prefix(check: str, bits: torch.Tensor, steps: torch.Tensor):
    """(check, the first row's shortest wrong prefix as '0110...') or None when all right."""
    wrong = (steps >= 0).nonzero()
    if not len(wrong):
        return None
    row = int(wrong[0])
    return check, families.bits_text(bits[row, : int(steps[row]) + 1])
