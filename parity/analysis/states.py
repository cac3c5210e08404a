"""A model's whole recurrent state, step by step, as flat feature vectors.

The state is the hidden vector h (RNN, GRU) or h and the cell c side by side (LSTM): the
"features" of a state are (..., D) with D = H, or 2H for an LSTM ([h, c]). The automaton
extractor and the state map both read states through this module.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..nets import cells
from ..nets.models import ParityModel

SAMPLE_STRINGS = 256  # strings read to collect states
SAMPLE_MAX_LEN = 64  # their lengths are uniform in 1..SAMPLE_MAX_LEN
SAMPLE_SEED = 9_000_011


def width(model: ParityModel) -> int:
    """D: the length of one state's feature vector."""
    return model.hidden_size * (2 if model.arch == "lstm" else 1)


def to_state(model: ParityModel, features: torch.Tensor):
    """Features (B, D) -> the state model.run takes: h (B, H), or (h, c) for an LSTM."""
    if model.arch == "lstm":
        hidden = model.hidden_size
        return features[:, :hidden].contiguous(), features[:, hidden:].contiguous()
    return features


def to_features(model: ParityModel, state) -> torch.Tensor:
    """model.run's final state -> features (B, D)."""
    return torch.cat(state, dim=1) if model.arch == "lstm" else state


@torch.no_grad()
def run_features(model: ParityModel, bits: torch.Tensor, start: torch.Tensor) -> torch.Tensor:
    """Read (B, T) bits from start features (B, D); the features after every step, (B, T, D).

    RNN and GRU take torch's fused module; an LSTM's cell is not returned per step by it, so
    an LSTM steps through cells.lstm_step on the model's own weights (the same numbers).
    """
    if model.arch != "lstm":
        outputs, _ = model.run(bits, start)
        return outputs
    p = model.cell_params()
    xw = cells.input_projection("lstm", bits, p["weight_ih"], p["bias_ih"], p["bias_hh"])
    h, c = to_state(model, start)
    steps = []
    for t in range(bits.shape[1]):
        h, c, _ = cells.lstm_step(xw[:, t], h, c, p["weight_hh"])
        steps.append(torch.cat([h, c], dim=1))
    return torch.stack(steps, dim=1) if steps else start.new_zeros(len(start), 0, start.shape[1])


@torch.no_grad()
def successors(model: ParityModel, features: torch.Tensor, bit: int) -> torch.Tensor:
    """The features one step after each of (N, D), on input `bit`: (N, D)."""
    bits = features.new_full((features.shape[0], 1), float(bit))
    _, state = model.run(bits, to_state(model, features))
    return to_features(model, state)


@torch.no_grad()
def answers(model: ParityModel, features: torch.Tensor) -> torch.Tensor:
    """The head's answer in each state (N, D): 1 = odd, (N,) int64."""
    hidden = features[..., : model.hidden_size]
    return (model.head(hidden).squeeze(-1) > 0).long()


@dataclass(frozen=True)
class Sample:
    """States visited while reading many strings, one row per (string, step).

    features (N, D) float32; answer, parity (running parity), bit, string, step (N,) numpy.
    `start` (D,) is the state before any bit (zeros).
    """

    features: torch.Tensor
    answer: np.ndarray
    parity: np.ndarray
    bit: np.ndarray
    string: np.ndarray
    step: np.ndarray
    start: torch.Tensor

    def __len__(self) -> int:
        return len(self.answer)


def sample_bits(strings: int, max_len: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Seeded strings: lengths uniform in 1..max_len, each with its own density of ones.

    The density is uniform in 0..1 per string, so long runs of 0s and of 1s (where a state
    drifts) are as common as balanced strings. Returns padded bits (B, T) and lengths (B,).
    """
    gen = torch.Generator().manual_seed(int(seed))
    lengths = torch.randint(1, max_len + 1, (strings,), generator=gen)
    density = torch.rand(strings, 1, generator=gen)
    bits = (torch.rand(strings, max_len, generator=gen) < density).float()  # (B, T)
    bits *= torch.arange(max_len) < lengths[:, None]
    return bits, lengths


@torch.no_grad()
def collect(
    model: ParityModel,
    strings: int = SAMPLE_STRINGS,
    max_len: int = SAMPLE_MAX_LEN,
    seed: int = SAMPLE_SEED,
    max_points: int | None = None,
) -> Sample:
    """Read sample_bits(...) and keep every real step's state (padding dropped).

    With max_points, a seeded subset of at most that many rows is kept (big hidden sizes).
    """
    bits, lengths = sample_bits(strings, max_len, seed)
    start = torch.zeros(width(model))
    feats = run_features(model, bits, start.expand(strings, -1).contiguous())  # (B, T, D)
    mask = torch.arange(bits.shape[1]) < lengths[:, None]  # (B, T)
    rows = mask.nonzero()  # (N, 2): string, step index
    if max_points is not None and len(rows) > max_points:
        gen = torch.Generator().manual_seed(int(seed) + 1)
        keep = torch.randperm(len(rows), generator=gen)[:max_points].sort().values
        rows = rows[keep]
    string, index = rows[:, 0], rows[:, 1]
    features = feats[string, index]  # (N, D)
    parity = bits.cumsum(dim=1).remainder(2)[string, index]
    return Sample(
        features=features.contiguous(),
        answer=answers(model, features).numpy(),
        parity=parity.long().numpy(),
        bit=bits[string, index].long().numpy(),
        string=string.numpy(),
        step=(index + 1).numpy(),
        start=start,
    )
