"""Bit sequences: seeded, vectorised, padded; fixed datasets; parsing user bit strings."""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch

from .config import RFR_LEN, RFR_SIZE

# Test-set and check-set seeds are offset from the training seed so they never share a stream.
TRAIN_SET_SEED_OFFSET = 3_000_003
TEST_SEED_OFFSET = 1_000_003
CHECK_SEED_OFFSET = 2_000_003


@dataclass(frozen=True)
class Batch:
    """Padded bits (B, T) float32 with zeros after each length, lengths (B,) int64."""

    bits: torch.Tensor
    lengths: torch.Tensor

    @property
    def parity(self) -> torch.Tensor:
        """Parity of each whole sequence, (B,) float32 in {0, 1}."""
        return self.bits.sum(dim=1).remainder(2)

    @property
    def running_parity(self) -> torch.Tensor:
        """Parity of every prefix, (B, T) float32; positions past a length are meaningless."""
        return self.bits.cumsum(dim=1).remainder(2)

    @property
    def mask(self) -> torch.Tensor:
        """True at the real (unpadded) positions, (B, T) bool."""
        steps = torch.arange(self.bits.shape[1])
        return steps.unsqueeze(0) < self.lengths.unsqueeze(1)

    def __len__(self) -> int:
        return self.bits.shape[0]

    def subset(self, index) -> Batch:
        """Rows `index` (a slice or index tensor), trimmed to their own longest length."""
        lengths = self.lengths[index]
        width = int(lengths.max()) if len(lengths) else 0
        return Batch(self.bits[index, :width], lengths)


def generator(seed: int) -> torch.Generator:
    """A CPU generator seeded with `seed`."""
    return torch.Generator().manual_seed(int(seed))


def random_batch(
    gen: torch.Generator, batch_size: int, min_len: int, max_len: int, density: str = "half"
) -> Batch:
    """`batch_size` sequences with lengths uniform in min_len..max_len.

    density 'half': every bit is 1 with probability 0.5; 'varied': each string first draws its
    own probability of a 1, uniformly from 0..1 (long runs and sparse strings become common).

    >>> b = random_batch(generator(0), 4, 3, 5); b.bits.shape[0], bool((b.lengths >= 3).all())
    (4, True)
    """
    lengths = torch.randint(min_len, max_len + 1, (batch_size,), generator=gen)
    width = int(lengths.max())
    if density == "varied":
        ones = torch.rand(batch_size, 1, generator=gen)  # (B, 1): each string's P(1)
        bits = (torch.rand(batch_size, width, generator=gen) < ones).float()
    else:
        bits = torch.randint(0, 2, (batch_size, width), generator=gen, dtype=torch.float32)
    steps = torch.arange(width).unsqueeze(0)  # (1, T)
    bits = bits * (steps < lengths.unsqueeze(1))  # zero the padding
    return Batch(bits, lengths)


def training_batches(
    gen: torch.Generator,
    batch_size: int,
    min_len: int,
    max_len: int,
    train_size: int = 0,
    seed: int = 0,
    density: str = "half",
):
    """Endless training batches: fresh random strings, or epochs over a fixed set.

    With train_size N > 0 the N strings are drawn once (from `seed`) and every epoch visits
    each once, in an order drawn from `gen`; the last batch of an epoch may be smaller.
    """
    if not train_size:
        while True:
            yield random_batch(gen, batch_size, min_len, max_len, density)
    pool = fixed_dataset(train_size, min_len, max_len, seed + TRAIN_SET_SEED_OFFSET, density)
    while True:
        order = torch.randperm(train_size, generator=gen)
        for start in range(0, train_size, batch_size):
            yield pool.subset(order[start : start + batch_size])


def config_batches(config):
    """training_batches for a Config: its seed, batch size, lengths, set size and density."""
    return training_batches(
        generator(config.seed),
        config.batch_size,
        config.min_len,
        config.max_len,
        config.train_size,
        config.seed,
        config.density,
    )


def fixed_dataset(size: int, min_len: int, max_len: int, seed: int, density: str = "half") -> Batch:
    """The same `size` sequences for the same arguments, every time."""
    return random_batch(generator(seed), size, min_len, max_len, density)


def test_set(config, size: int = 1000) -> Batch:
    """The config's held-out test set: `size` strings of test_min_len..test_max_len."""
    return fixed_dataset(
        size, config.test_min_len, config.test_max_len, config.seed + TEST_SEED_OFFSET
    )


def rfr_datasets(seed: int = 0, size: int = RFR_SIZE) -> dict[str, Batch]:
    """The Requests-for-Research training sets: all of length 50, and lengths uniform in 1..50."""
    return {
        "fixed_50": fixed_dataset(size, RFR_LEN, RFR_LEN, seed),
        "uniform_1_50": fixed_dataset(size, 1, RFR_LEN, seed + 1),
    }


def from_bits(sequences: list[list[int]] | list[torch.Tensor]) -> Batch:
    """Pad a list of 0/1 sequences into a Batch.

    >>> from_bits([[1, 1, 0], [1]]).bits.tolist()
    [[1.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    """
    if not sequences:
        raise ValueError("no sequences given")
    tensors = [torch.as_tensor(s, dtype=torch.float32).reshape(-1) for s in sequences]
    lengths = torch.tensor([len(t) for t in tensors], dtype=torch.int64)
    if int(lengths.min()) == 0:
        raise ValueError("empty sequence: every bit string needs at least one bit")
    bits = torch.nn.utils.rnn.pad_sequence(tensors, batch_first=True)
    return Batch(bits, lengths)


_BAD_CHAR = re.compile(r"[^01\s]")
TEXT_CHARS_PER_BIT = 4  # room for spaces between bits; longer text is refused unread


def max_text_chars(max_len: int) -> int:
    """The longest text read as a bit string of at most max_len bits."""
    return TEXT_CHARS_PER_BIT * max_len


def parse_bits(text: str, max_len: int | None = None) -> list[int]:
    """Parse a user's bit string: only 0 and 1, whitespace ignored.

    >>> parse_bits("01 10")
    [0, 1, 1, 0]
    """
    if not isinstance(text, str):
        raise ValueError("a bit string must be text of 0s and 1s")
    if max_len is not None and len(text) > max_text_chars(max_len):
        raise ValueError(
            f"bit string too long: {len(text):,} characters, at most "
            f"{max_text_chars(max_len):,} ({max_len:,} bits and spaces)"
        )
    bad = _BAD_CHAR.search(text)
    if bad:
        raise ValueError(
            f"invalid character {bad.group()!r} at position {bad.start() + 1}: "
            "a bit string may contain only 0, 1 and spaces"
        )
    bits = [int(ch) for ch in text if ch in "01"]
    if not bits:
        raise ValueError("empty bit string: type at least one 0 or 1")
    if max_len is not None and len(bits) > max_len:
        raise ValueError(f"bit string too long: {len(bits)} bits, at most {max_len} allowed")
    return bits


def parity_of(bits: list[int]) -> int:
    """XOR of the bits.

    >>> parity_of([1, 0, 1, 1])
    1
    """
    return sum(bits) % 2
