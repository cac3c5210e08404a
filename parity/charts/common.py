"""Altair chart builders for the app, each from a tidy frame. Never imports streamlit.

Frames in, altair charts out: training curves (history), per-step heat maps (a trace's
states), the running prediction, and accuracy by length. Long sequences are binned along the
step axis first (bin_states / bin_prediction) so a 10,000-bit trace stays a few thousand rows.
"""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd

TRAIN_COLOUR, TEST_COLOUR, LOSS_COLOUR = "#1f77b4", "#e8590c", "#6741d9"
GATE_SCHEME = "blues"  # gates are sigmoids in [0, 1]: white = shut, dark blue = open
SIGNED_SCHEME = "redblue"  # reversed below: blue = negative, white = 0, red = positive
MAX_STEPS = 400  # heat maps with up to this many steps show every step
BINS = 200  # longer sequences are cut into this many columns (the browser draws SVG rects)
MAX_CELLS = 8_000  # columns x units per heat map, at most (big hidden sizes get fewer columns)
MIN_BINS = 30
FONT = 15  # axis and legend text, in px: readable on a projector


def readable(chart):
    """Projector-sized text; `height` is the plot's own (axes and legend come on top of it)."""
    chart = (
        chart.configure_axis(labelFontSize=FONT, titleFontSize=FONT + 1)
        .configure_legend(labelFontSize=FONT, titleFontSize=FONT)
        .configure_title(fontSize=FONT + 4)
    )
    return chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


def history_long(history: pd.DataFrame, train_label: str, test_label: str) -> pd.DataFrame:
    """Accuracy history in long form: step, series (train_label / test_label), accuracy."""
    frame = history[["step", "train_accuracy", "test_accuracy"]].rename(
        columns={"train_accuracy": train_label, "test_accuracy": test_label}
    )
    long = frame.melt("step", var_name="series", value_name="accuracy")
    return long[np.isfinite(long["accuracy"])].reset_index(drop=True)


def accuracy_chart(
    history: pd.DataFrame, train_label: str = "training lengths", test_label: str = "test lengths"
) -> alt.Chart:
    """Accuracy on training batches and on the test set against the step, with a legend."""
    long = history_long(history, train_label, test_label)
    colour = alt.Color(
        "series:N",
        title=None,
        legend=alt.Legend(orient="bottom"),
        scale=alt.Scale(domain=[train_label, test_label], range=[TRAIN_COLOUR, TEST_COLOUR]),
    )
    return readable(
        alt.Chart(long, title="Accuracy")
        .mark_line(point=len(history) <= 30)
        .encode(
            x=alt.X("step:Q", title="training step"),
            y=alt.Y(
                "accuracy:Q",
                title="accuracy",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            color=colour,
            tooltip=["step:Q", "series:N", alt.Tooltip("accuracy:Q", format=".1%")],
        )
        .properties(height=220)
    )


def loss_chart(history: pd.DataFrame) -> alt.Chart:
    """Training loss against the step on a log scale (non-finite and zero losses left out)."""
    frame = history[["step", "loss"]]
    frame = frame[np.isfinite(frame["loss"]) & (frame["loss"] > 0)].reset_index(drop=True)
    return readable(
        alt.Chart(frame, title="Loss (log scale)")
        .mark_line(color=LOSS_COLOUR, point=len(frame) <= 30)
        .encode(
            x=alt.X("step:Q", title="training step"),
            y=alt.Y("loss:Q", title="loss", scale=alt.Scale(type="log")),
            tooltip=["step:Q", alt.Tooltip("loss:Q", format=".4g")],
        )
        .properties(height=220)
    )


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
    domain, scheme = quantity_domain(quantity, frame["value"])
    rows = ["bit"] + [names[u] for u in (unit_order or range(units))]
    bits = frame[frame["unit"] == 0][["step", "last", "bit"]].assign(row="bit")
    y = alt.Y(
        "row:O", sort=rows, title="unit", axis=alt.Axis(labels=units <= 32, ticks=units <= 32)
    )
    x = alt.X(
        "x0:Q",
        title="step (bit read)",
        scale=alt.Scale(nice=False, zero=False),
        axis=alt.Axis(tickMinStep=1, format="d"),
    )
    base = alt.Chart(frame).transform_calculate(
        x0="datum.step - 0.5", x1="datum.last + 0.5", steps=_steps_label()
    )
    cells = base.mark_rect().encode(
        x=x,
        x2="x1:Q",
        y=y,
        # The legend goes below so every map's plot has the same width: steps line up.
        color=alt.Color(
            "value:Q",
            title=quantity,
            scale=alt.Scale(
                domain=domain, scheme=scheme, clamp=True, reverse=scheme == SIGNED_SCHEME
            ),
            legend=alt.Legend(
                orient="bottom", direction="horizontal", gradientLength=260, format=".1f"
            ),
        ),
        tooltip=[
            alt.Tooltip("steps:N", title="step"),
            alt.Tooltip("bit:Q", format=".2~f"),
            "unit:Q",
            alt.Tooltip("value:Q", format=".3f"),
        ],
    )
    strip = (
        alt.Chart(bits)
        .transform_calculate(x0="datum.step - 0.5", x1="datum.last + 0.5", steps=_steps_label())
        .mark_rect(stroke="#bbbbbb", strokeWidth=0.3)
        .encode(
            x=x,
            x2="x1:Q",
            y=y,
            fill=alt.Fill(
                "bit:Q", scale=alt.Scale(domain=[0, 1], range=["#ffffff", "#222222"]), legend=None
            ),
            tooltip=[
                alt.Tooltip("steps:N", title="step"),
                alt.Tooltip("bit:Q", title="input bit", format=".2~f"),
            ],
        )
    )
    layers = [cells, strip]
    if show_digits:
        layers.append(
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
    out = (
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
    return out


def prediction_chart(prediction: pd.DataFrame, max_points: int = MAX_STEPS) -> alt.Chart:
    """P(odd so far) against the true running parity; binned share of right answers if long."""
    if len(prediction) > max_points:
        binned = bin_prediction(prediction, max_points)
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
    long = prediction.rename(
        columns={"probability": "model: P(odd so far)", "running_parity": "truth: parity so far"}
    )
    long = long.melt(
        ["step", "bit"],
        ["model: P(odd so far)", "truth: parity so far"],
        var_name="series",
        value_name="value",
    )
    series = ["model: P(odd so far)", "truth: parity so far"]
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


def first_length_below(table: pd.DataFrame, threshold: float = 1.0) -> int | None:
    """The shortest length in an accuracy-by-length table scoring below `threshold`, or None."""
    below = table[table["accuracy"] < threshold]
    return int(below["length"].min()) if len(below) else None


def length_chart(
    table: pd.DataFrame, train_range: tuple[int, int], test_range: tuple[int, int] | None = None
) -> alt.LayerChart:
    """Accuracy by length on a log x axis; shaded bands mark the training (and test) lengths."""
    bands = [
        {
            "band": f"trained on {train_range[0]}–{train_range[1]}",
            "start": train_range[0],
            "end": train_range[1],
        }
    ]
    if test_range is not None:
        bands.append(
            {
                "band": f"tested on {test_range[0]}–{test_range[1]}",
                "start": test_range[0],
                "end": test_range[1],
            }
        )
    band_frame = pd.DataFrame(bands)
    # A one-length band still gets a visible width on the log axis.
    band_frame["end"] = np.maximum(band_frame["end"], band_frame["start"] * 1.08)
    top = max(10_000, int(table["length"].max()))
    x = alt.X(
        "length:Q",
        title="string length (log scale)",
        scale=alt.Scale(type="log", domain=[1, top], nice=False),
    )
    shade = (
        alt.Chart(band_frame)
        .mark_rect(opacity=0.18)
        .encode(
            x=alt.X("start:Q", scale=alt.Scale(type="log", domain=[1, top], nice=False)),
            x2="end:Q",
            color=alt.Color(
                "band:N",
                title=None,
                legend=alt.Legend(orient="bottom"),
                scale=alt.Scale(
                    domain=list(band_frame["band"]),
                    range=[TRAIN_COLOUR, TEST_COLOUR][: len(band_frame)],
                ),
            ),
            tooltip=["band:N"],
        )
    )
    floor = min(0.4, math.floor(float(table["accuracy"].min()) * 10) / 10)
    y = alt.Y(
        "accuracy:Q",
        title="accuracy",
        scale=alt.Scale(domain=[floor, 1]),
        axis=alt.Axis(format="%"),
    )
    chance = (
        alt.Chart(pd.DataFrame({"accuracy": [0.5]}))
        .mark_rule(strokeDash=[4, 4], color="#999999")
        .encode(y=y)
    )
    line = alt.Chart(table).mark_line(color="#555555").encode(x=x, y=y)
    points = (
        alt.Chart(table.assign(result=np.where(table["accuracy"] >= 1.0, "100%", "below 100%")))
        .mark_circle(size=70, opacity=1)
        .encode(
            x=x,
            y=y,
            fill=alt.Fill(
                "result:N",
                title=None,
                legend=alt.Legend(orient="bottom"),
                scale=alt.Scale(domain=["100%", "below 100%"], range=["#2b8a3e", "#e03131"]),
            ),
            tooltip=["length:Q", alt.Tooltip("accuracy:Q", format=".1%"), "size:Q"],
        )
    )
    chart = alt.layer(shade, chance, line, points, title="Accuracy by string length")
    return readable(chart.properties(height=320).resolve_scale(color="independent"))
