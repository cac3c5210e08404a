"""A trace drawn step by step: heat maps of its states and the running prediction.

Long sequences are binned along the step axis first (bin_states / bin_prediction) so a
10,000-bit trace stays a few thousand rows.
"""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd

from ._base import TEST_COLOUR, readable

GATE_SCHEME = "blues"  # gates are sigmoids in [0, 1]: white = shut, dark blue = open
SIGNED_SCHEME = "redblue"  # reversed below: blue = negative, white = 0, red = positive
MAX_STEPS = 400  # heat maps with up to this many steps show every step
BINS = 200  # longer sequences are cut into this many columns (the browser draws SVG rects)
MAX_CELLS = 8_000  # columns x units per heat map, at most (big hidden sizes get fewer columns)
MIN_BINS = 30
STEP_TOOLTIP = alt.Tooltip("steps:N", title="step")


def bins_for(steps: int, units: int) -> int:
    """How many step columns a heat map of `steps` x `units` gets (all of them when small)."""
    cap = MAX_CELLS // max(1, units)
    if steps <= min(MAX_STEPS, cap):
        return steps
    return max(MIN_BINS, min(BINS, cap))


def _bin_of(step: pd.Series, steps: int, bins: int) -> pd.Series:
    """0-based bin of each 1-based step when `steps` are cut into `bins` nearly equal runs."""
    return ((step - 1) * bins) // steps


def bin_states(states: pd.DataFrame, bins: int) -> pd.DataFrame:
    """Mean value per (quantity, step bin, unit): columns quantity, step, last, bit, unit, value.

    `step`..`last` are the first and last step of the bin; `bit` is the share of ones in it
    (the bit itself when bins equal the steps).
    """
    first = int(states["step"].min())  # a window of a longer string starts past 1
    steps = int(states["step"].max()) - first + 1
    if bins >= steps:
        frame = states.assign(last=states["step"], bit=states["bit"].astype(float))
        return frame[["quantity", "step", "last", "bit", "unit", "value"]]
    frame = states.assign(bin=_bin_of(states["step"] - first + 1, steps, bins))
    grouped = frame.groupby(["quantity", "bin", "unit"], observed=True, sort=True)
    out = grouped.agg(
        step=("step", "min"), last=("step", "max"), bit=("bit", "mean"), value=("value", "mean")
    ).reset_index()
    return out[["quantity", "step", "last", "bit", "unit", "value"]]


def quantity_domain(name: str, values: pd.Series) -> tuple[list[float], str]:
    """Fixed colour domain and scheme: [0, 1] for gates, symmetric around 0 for the rest.

    Tanh quantities get [-1, 1]; an LSTM cell (unbounded) gets +-max(1, largest |value|).
    """
    if "gate" in name:
        return [0.0, 1.0], GATE_SCHEME
    largest = float(np.nanmax(np.abs(values))) if len(values) else 1.0
    bound = max(1.0, math.ceil(largest * 10) / 10) if math.isfinite(largest) else 1.0
    return [-bound, bound], SIGNED_SCHEME


def _steps_label() -> str:
    """Vega expression: 'n' for a single step, 'a–b' for a bin."""
    return "datum.step == datum.last ? '' + datum.step : datum.step + '–' + datum.last"


def _spans(frame: pd.DataFrame) -> alt.Chart:
    """A chart of `frame` whose rows span x0..x1 (their steps, ±0.5) with a steps label."""
    return alt.Chart(frame).transform_calculate(
        x0="datum.step - 0.5", x1="datum.last + 0.5", steps=_steps_label()
    )


def _heat_axes(rows: list[str], units: int) -> tuple[alt.X, alt.Y]:
    """The step axis (bins as spans) and the unit axis (rows top to bottom, the bit first)."""
    y = alt.Y(
        "row:O", sort=rows, title="unit", axis=alt.Axis(labels=units <= 32, ticks=units <= 32)
    )
    x = alt.X(
        "x0:Q",
        title="step (bit read)",
        scale=alt.Scale(nice=False, zero=False),
        axis=alt.Axis(tickMinStep=1, format="d"),
    )
    return x, y


def _value_cells(frame: pd.DataFrame, quantity: str, x: alt.X, y: alt.Y) -> alt.Chart:
    """One rect per (step bin, unit), coloured by the value on the quantity's fixed domain."""
    domain, scheme = quantity_domain(quantity, frame["value"])
    scale = alt.Scale(domain=domain, scheme=scheme, clamp=True, reverse=scheme == SIGNED_SCHEME)
    # The legend goes below so every map's plot has the same width: steps line up.
    legend = alt.Legend(orient="bottom", direction="horizontal", gradientLength=260, format=".1f")
    return (
        _spans(frame)
        .mark_rect()
        .encode(
            x=x,
            x2="x1:Q",
            y=y,
            color=alt.Color("value:Q", title=quantity, scale=scale, legend=legend),
            tooltip=[
                STEP_TOOLTIP,
                alt.Tooltip("bit:Q", format=".2~f"),
                "unit:Q",
                alt.Tooltip("value:Q", format=".3f"),
            ],
        )
    )


def _bit_strip(bits: pd.DataFrame, x: alt.X, y: alt.Y) -> alt.Chart:
    """The top row: the input bit (or the share of ones in a bin), white 0 to black 1."""
    shade = alt.Scale(domain=[0, 1], range=["#ffffff", "#222222"])
    return (
        _spans(bits)
        .mark_rect(stroke="#bbbbbb", strokeWidth=0.3)
        .encode(
            x=x,
            x2="x1:Q",
            y=y,
            fill=alt.Fill("bit:Q", scale=shade, legend=None),
            tooltip=[STEP_TOOLTIP, alt.Tooltip("bit:Q", title="input bit", format=".2~f")],
        )
    )


def _bit_digits(bits: pd.DataFrame, y: alt.Y) -> alt.Chart:
    """The bits written as 0 and 1 on the top row."""
    return (
        alt.Chart(bits)
        .transform_calculate(x="datum.step")
        .mark_text(fontSize=11)
        .encode(
            x=alt.X("x:Q"),
            y=y,
            text=alt.Text("bit:Q", format="d"),
            color=alt.condition("datum.bit > 0.5", alt.value("white"), alt.value("black")),
        )
    )


def state_heatmap(
    binned: pd.DataFrame,
    quantity: str,
    show_digits: bool = False,
    unit_order: list[int] | None = None,
    unit_names: dict[int, str] | None = None,
) -> alt.Chart:
    """One quantity as a heat map: x = step, y = unit, colour = value; top row = the input bit.

    unit_order lists the units top to bottom (default 0, 1, ...); unit_names relabels rows.
    """
    frame = binned[binned["quantity"] == quantity].drop(columns="quantity")
    units = int(frame["unit"].max()) + 1 if len(frame) else 1
    names = {u: str(u) for u in range(units)} | (unit_names or {})
    frame = frame.assign(row=frame["unit"].map(names)).reset_index(drop=True)
    x, y = _heat_axes(["bit"] + [names[u] for u in (unit_order or range(units))], units)
    bits = frame[frame["unit"] == 0][["step", "last", "bit"]].assign(row="bit")
    layers = [_value_cells(frame, quantity, x, y), _bit_strip(bits, x, y)]
    if show_digits:
        layers.append(_bit_digits(bits, y))
    chart = alt.layer(*layers, title=quantity).resolve_scale(color="independent")
    # Canvas, not SVG: thousands of rects draw several times faster (Streamlit reads usermeta).
    return readable(
        chart.properties(
            height=min(300, max(60, 16 * (units + 1))),
            usermeta={"embedOptions": {"renderer": "canvas"}},
        )
    )


def bin_prediction(prediction: pd.DataFrame, bins: int) -> pd.DataFrame:
    """Running prediction per step bin: step, last, probability (mean), share_correct, ones."""
    steps, first = len(prediction), int(prediction["step"].min())
    frame = prediction.assign(
        bin=_bin_of(prediction["step"] - first + 1, steps, min(bins, steps)),
        ones=prediction["bit"].astype(float),
    )
    return (
        frame.groupby("bin", sort=True)
        .agg(
            step=("step", "min"),
            last=("step", "max"),
            probability=("probability", "mean"),
            share_correct=("correct", "mean"),
            ones=("ones", "mean"),
        )
        .reset_index(drop=True)
    )


def _share_right_chart(binned: pd.DataFrame) -> alt.Chart:
    """A long trace's running answers: the share right in each step bin."""
    return readable(
        alt.Chart(binned, title="Running answer: share right per bin")
        .mark_line(color=TEST_COLOUR)
        .encode(
            x=alt.X("step:Q", title="step (first of bin)", scale=alt.Scale(nice=False)),
            y=alt.Y(
                "share_correct:Q",
                title="running answers right",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            tooltip=["step:Q", "last:Q", alt.Tooltip("share_correct:Q", format=".1%")],
        )
        .properties(height=180)
    )


def _running_chart(prediction: pd.DataFrame) -> alt.Chart:
    """A short trace's P(odd so far) at every step, against the true parity so far."""
    series = ["model: P(odd so far)", "truth: parity so far"]
    long = prediction.rename(columns={"probability": series[0], "running_parity": series[1]})
    long = long.melt(["step", "bit"], series, var_name="series", value_name="value")
    return readable(
        alt.Chart(long, title="Running prediction")
        .mark_line(interpolate="step", point=len(prediction) <= 64)
        .encode(
            x=alt.X("step:Q", title="step (bit read)", scale=alt.Scale(nice=False)),
            y=alt.Y("value:Q", title="odd?", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "series:N",
                title=None,
                legend=alt.Legend(orient="bottom"),
                scale=alt.Scale(domain=series, range=[TEST_COLOUR, "#888888"]),
            ),
            strokeDash=alt.StrokeDash(
                "series:N", legend=None, scale=alt.Scale(domain=series, range=[[1, 0], [4, 3]])
            ),
            tooltip=["step:Q", "bit:Q", "series:N", alt.Tooltip("value:Q", format=".3f")],
        )
        .properties(height=180)
    )


def prediction_chart(prediction: pd.DataFrame, max_points: int = MAX_STEPS) -> alt.Chart:
    """P(odd so far) against the true running parity; binned share of right answers if long."""
    if len(prediction) > max_points:
        return _share_right_chart(bin_prediction(prediction, max_points))
    return _running_chart(prediction)
