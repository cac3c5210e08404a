"""Step-by-step inspection: gates, cell and hidden state, and the running prediction."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ..nets import cells
from ..nets.models import MAX_CHUNK_FLOATS, ParityModel, step_floats, time_chunk


@dataclass(frozen=True)
class Trace:
    """A model read over one bit string, as tidy frames ready for altair.

    states: one row per (quantity, step, unit): columns quantity, step, bit, unit, value.
    prediction: one row per step: step, bit, probability (of odd parity so far), predicted,
    running_parity (the truth), correct.
    """

    arch: str
    bits: tuple[int, ...]
    states: pd.DataFrame
    prediction: pd.DataFrame

    def quantity(self, name: str) -> pd.DataFrame:
        """The rows of one quantity (e.g. 'forget gate')."""
        return self.states[self.states["quantity"] == name]

    @property
    def quantities(self) -> tuple[str, ...]:
        return cells.QUANTITIES[self.arch]


# record_chunks' chunks are multiples of this many steps: the head's matrix product then rounds
# every step as it does over the whole string (measured: unaligned chunks changed 2 of 10,000
# probabilities in their 6th digit). 64 steps of 256 LSTM units are 196,608 floats.
ALIGN = 64


def trace_step_floats(arch: str, hidden_size: int) -> int:
    """Floats a recording forward holds per step: every quantity recorded, plus the cells'
    own working set (models.step_floats)."""
    return len(cells.QUANTITIES[arch]) * hidden_size + step_floats(arch, hidden_size)


@torch.no_grad()
def record_chunks(model: ParityModel, bits, max_floats: int = MAX_CHUNK_FLOATS):
    """record() in consecutive chunks of steps: yields (first step index, record of the chunk).

    Each chunk holds at most max_floats // trace_step_floats steps, rounded down to a multiple
    of ALIGN (at least ALIGN), with the state carried over: a 10,000-bit trace of 256 units
    never holds more than one chunk.
    """
    x = torch.as_tensor(list(bits), dtype=torch.float32).unsqueeze(0)  # (1, T)
    chunk = time_chunk(1, trace_step_floats(model.arch, model.hidden_size), max_floats)
    chunk = max(ALIGN, chunk - chunk % ALIGN)  # whole blocks: the head rounds as on one chunk
    state = None
    for start in range(0, x.shape[1], chunk):
        part = x[:, start : start + chunk]
        _, state, records = cells.scratch_run(
            model.arch, model.cell_params(), part, state, record=True
        )
        out = {name: value[0].numpy() for name, value in records.items()}  # (t, H) each
        out["logit"] = model.head(records["hidden"][0]).squeeze(-1).numpy()  # (t,)
        yield start, out


def record(model: ParityModel, bits, max_floats: int = MAX_CHUNK_FLOATS) -> dict[str, np.ndarray]:
    """Every per-step quantity for one sequence: name -> (T, H) array, plus 'logit' (T,).

    Uses the explicit cells on the model's own weights whatever model.impl is, so both
    execution paths give the same numbers.
    """
    parts = [rec for _, rec in record_chunks(model, bits, max_floats)]
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}


def trace(model: ParityModel, bits) -> Trace:
    """Read `bits` (a sequence of 0/1) one at a time and record everything, step by step."""
    bits = tuple(int(b) for b in bits)
    if not bits:
        raise ValueError("empty bit string: nothing to trace")
    if any(b not in (0, 1) for b in bits):
        raise ValueError("bits must be 0 or 1")
    states, prediction = frames(model.arch, bits, record(model, bits))
    return Trace(model.arch, bits, states, prediction)


def frames(
    arch: str, bits, rec: dict[str, np.ndarray], first_step: int = 1, parity_before: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Trace.states and Trace.prediction from record()'s arrays, for steps first_step.. on.

    `bits` and the (T, H) arrays may be a window of a longer string: its steps are numbered
    from first_step, and parity_before is the parity of the bits before the window.
    """
    return states_frame(arch, bits, rec, first_step), prediction_frame(
        bits, rec["logit"], first_step, parity_before
    )


def states_frame(arch: str, bits, rec: dict[str, np.ndarray], first_step: int = 1):
    """One row per (quantity, step, unit): quantity, step, bit, unit, value."""
    steps = len(bits)
    bit_arr = np.asarray(bits, dtype=np.int64)
    numbers = np.arange(first_step, first_step + steps)
    states = []
    for name in cells.QUANTITIES[arch]:
        values = rec[name]  # (T, H)
        hidden = values.shape[1]
        states.append(
            pd.DataFrame(
                {
                    "quantity": name,
                    "step": np.repeat(numbers, hidden),
                    "bit": np.repeat(bit_arr, hidden),
                    "unit": np.tile(np.arange(hidden), steps),
                    "value": values.reshape(-1).astype(np.float64),
                }
            )
        )
    states = pd.concat(states, ignore_index=True)
    states["quantity"] = pd.Categorical(states["quantity"], cells.QUANTITIES[arch])
    return states


def prediction_frame(bits, logit: np.ndarray, first_step: int = 1, parity_before: int = 0):
    """One row per step: step, bit, probability, predicted, running_parity, correct."""
    bit_arr = np.asarray(bits, dtype=np.int64)
    probability = 1.0 / (1.0 + np.exp(-logit.astype(np.float64)))
    truth = (np.cumsum(bit_arr) + parity_before) % 2
    predicted = (logit > 0).astype(np.int64)
    return pd.DataFrame(
        {
            "step": np.arange(first_step, first_step + len(bit_arr)),
            "bit": bit_arr,
            "probability": probability,
            "predicted": predicted,
            "running_parity": truth,
            "correct": predicted == truth,
        }
    )


@dataclass(frozen=True)
class Recording:
    """Everything the cells did over one string (record()): name -> (T, H), logit (T,)."""

    arch: str
    bits: tuple[int, ...]
    arrays: dict[str, np.ndarray]

    @property
    def steps(self) -> int:
        return len(self.bits)

    @property
    def parity(self) -> int:
        """The string's true parity (1: odd)."""
        return int(sum(self.bits) % 2)

    @property
    def answer(self) -> int:
        """The model's final answer (1: odd)."""
        return int(self.arrays["logit"][-1] > 0)

    @property
    def running_accuracy(self) -> float:
        """The share of steps whose running answer was the running parity."""
        return float(((np.cumsum(self.bits) % 2) == (self.arrays["logit"] > 0)).mean())

    def prediction(self) -> pd.DataFrame:
        """The whole string's running prediction (Trace.prediction's columns)."""
        return prediction_frame(self.bits, self.arrays["logit"])

    def window(self, first: int, last: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Trace.states and Trace.prediction of steps first..last (1-based, inclusive)."""
        part = slice(first - 1, last)
        arrays = {name: values[part] for name, values in self.arrays.items()}
        before = sum(self.bits[: first - 1]) % 2
        return frames(self.arch, self.bits[part], arrays, first, before)


def record_string(model: ParityModel, bits: tuple[int, ...]) -> Recording:
    """Read `bits` once and keep the raw arrays (one float per quantity, step and unit)."""
    return Recording(model.arch, bits, record(model, bits))
