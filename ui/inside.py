"""The Look inside page's pieces: a compact, drawable trace, its metrics, what colours mean."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from parity import charts, inspect
from parity.models import ParityModel

# A trace holds (quantities x bits x units) rows: 10,000 bits x 256 units would be 15 million
# rows, ~3 GB at peak. Strings are cut to keep bits x units within this.
MAX_TRACE_CELLS = 250_000

COLOURS = (
    "Colours: gates run from white (0, shut) to dark blue (1, open). Candidate, hidden "
    "state and cell run from blue (negative) through white (0) to red (positive); tanh "
    "values span −1..1, the cell's scale is its largest magnitude in this string. "
    "Scales are fixed across steps, so a colour means the same value everywhere. Top "
    "row of each map: the input bit (dark = 1)."
)


@dataclass(frozen=True)
class TraceView:
    """What the page draws: the states binned for the heat maps, the per-step prediction."""

    quantities: tuple[str, ...]
    binned: pd.DataFrame  # charts.bin_states output
    prediction: pd.DataFrame  # inspect.Trace.prediction
    bins: int

    @property
    def steps(self) -> int:
        return len(self.prediction)

    @property
    def caption(self) -> str | None:
        """How the steps were binned, if they were."""
        if self.bins >= self.steps:
            return None
        return (
            f"{self.steps:,} steps are drawn as {self.bins} columns of about "
            f"{self.steps / self.bins:.1f} steps each: a cell shows the mean over its steps, "
            "and the top row the share of 1s."
        )


def max_bits(units: int) -> int:
    """The longest string traced for a model with `units` hidden units."""
    return MAX_TRACE_CELLS // max(1, units)


def trace_view(model: ParityModel, bits: tuple[int, ...]) -> TraceView:
    """Trace `bits` and keep only what is drawn (the full trace can be large)."""
    trace = inspect.trace(model, bits)
    bins = charts.bins_for(len(bits), model.hidden_size)
    return TraceView(
        trace.quantities, charts.bin_states(trace.states, bins), trace.prediction, bins
    )


def metric_values(view: TraceView) -> dict[str, str]:
    """Length, the true parity, the model's final answer, and how often it was right."""
    final = view.prediction.iloc[-1]
    truth, guess = int(final["running_parity"]), int(final["predicted"])
    return {
        "Length": f"{view.steps:,} bits",
        "True parity": "odd" if truth else "even",
        "Model says": f"{'odd' if guess else 'even'} ({'right' if guess == truth else 'wrong'})",
        "Running answers right": f"{view.prediction['correct'].mean():.1%}",
    }
