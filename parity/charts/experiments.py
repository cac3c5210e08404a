"""Altair charts of an experiment's rows (parity.experiments.runs), and the frames behind them.

Frames first (tidy, one row per run or per curve point), then charts:
- rfr: learning curves side by side per condition (one line per seed), final accuracies;
- compare: success rate per condition, steps to solve and training time per run;
- sweep: a heat map of success rate, hidden size x longest training string.
Never imports streamlit.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ._base import FONT, readable

CHANCE = 0.5
ROW_PX = 40  # per category on a y axis of conditions: every label shows
ROW = alt.Step(ROW_PX)
FULL_SCALE = alt.Scale(domain=[0, 1])  # 0..100% (marks are not clipped: 100% shows whole)
PERCENT = alt.Axis(format="%")
RUN_COLUMNS = [
    "condition",
    "seed",
    "arch",
    "impl",
    "hidden_size",
    "max_len",
    "target",
    "status",
    "steps",
    "solved_at_step",
    "solved",
    "test_accuracy",
    "train_seconds",
    "error",
]


def runs_frame(rows: list[dict], length: int | None = None) -> pd.DataFrame:
    """One line per run; with `length`, its accuracy on strings of that length (NaN if none)."""
    frame = pd.DataFrame([{c: row[c] for c in RUN_COLUMNS} for row in rows], columns=RUN_COLUMNS)
    if length is not None:
        frame[f"accuracy_at_{length}"] = [
            row["accuracy_by_length"].get(str(length), float("nan")) for row in rows
        ]
    return frame


def curves_frame(rows: list[dict]) -> pd.DataFrame:
    """Every run's test-accuracy curve in long form: condition, seed, step, test_accuracy."""
    parts = [
        pd.DataFrame(
            {
                "condition": row["condition"],
                "seed": row["seed"],
                "step": row["curve"]["step"],
                "test_accuracy": row["curve"]["test_accuracy"],
            }
        )
        for row in rows
        if row["curve"]["step"]
    ]
    columns = ["condition", "seed", "step", "test_accuracy"]
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    return frame.dropna(subset=["test_accuracy"]).reset_index(drop=True)


def _conditions(rows: list[dict]) -> list[str]:
    return list(dict.fromkeys(row["condition"] for row in rows))


def rfr_curves(rows: list[dict], labels: dict[str, str] | None = None) -> alt.FacetChart:
    """Test accuracy over training steps, one panel per condition, one line per seed."""
    frame = curves_frame(rows)
    frame["panel"] = [(labels or {}).get(c, c) for c in frame["condition"]]
    order = [(labels or {}).get(c, c) for c in _conditions(rows)]
    line = (
        alt.Chart(frame)
        .mark_line()
        .encode(
            x=alt.X("step:Q", title="training step"),
            y=alt.Y(
                "test_accuracy:Q",
                title="test accuracy",
                scale=alt.Scale(domain=[0, 1]),
                axis=PERCENT,
            ),
            color=alt.Color("seed:N", title="seed"),
            tooltip=[
                "panel:N",
                "seed:N",
                "step:Q",
                alt.Tooltip("test_accuracy:Q", title="test accuracy", format=".1%"),
            ],
        )
        .properties(width=320, height=180)
    )
    faceted = line.facet(
        facet=alt.Facet("panel:N", title=None, sort=order, header=alt.Header(labelFontSize=13)),
        columns=2,
    ).properties(title="Learning curves: test accuracy as training goes on")
    return (  # readable()'s text sizes; its fit-to-width autosize does not apply to facets
        faceted.configure_axis(labelFontSize=FONT - 2, titleFontSize=FONT)
        .configure_legend(labelFontSize=FONT, titleFontSize=FONT)
        .configure_title(fontSize=FONT + 4)
    )


def final_frame(rows: list[dict], length: int) -> pd.DataFrame:
    """Each finished run's final test accuracy and its accuracy at `length`, long form."""
    done = [row for row in rows if row["error"] is None]
    frame = runs_frame(done, length)
    long = frame.melt(
        ["condition", "seed"],
        [f"accuracy_at_{length}", "test_accuracy"],
        var_name="measure",
        value_name="accuracy",
    )
    long["measure"] = long["measure"].map(
        {"test_accuracy": "its own test set", f"accuracy_at_{length}": f"length {length}"}
    )
    return long.dropna(subset=["accuracy"]).reset_index(drop=True)


def rfr_finals(
    rows: list[dict], length: int, labels: dict[str, str] | None = None
) -> alt.LayerChart:
    """Final accuracies per condition and seed (points), against chance (dashed rule)."""
    frame = final_frame(rows, length)
    frame["condition"] = [(labels or {}).get(c, c) for c in frame["condition"]]
    order = [(labels or {}).get(c, c) for c in _conditions(rows)]
    points = (
        alt.Chart(frame)
        .mark_point(filled=True, size=90, opacity=0.8)
        .encode(
            x=alt.X("accuracy:Q", title="final accuracy", scale=FULL_SCALE, axis=PERCENT),
            y=alt.Y("condition:N", title=None, sort=order, axis=alt.Axis(labelLimit=220)),
            color=alt.Color("measure:N", title="measured on", legend=alt.Legend(orient="bottom")),
            shape=alt.Shape("measure:N", title="measured on"),
            yOffset=alt.YOffset("measure:N"),
            tooltip=["condition:N", "seed:N", "measure:N", alt.Tooltip("accuracy:Q", format=".1%")],
        )
    )
    chance = (
        alt.Chart(pd.DataFrame({"accuracy": [CHANCE]}))
        .mark_rule(strokeDash=[4, 4])
        .encode(x="accuracy:Q")
    )
    title = "Final accuracy (dashed: chance)"
    layers = (chance + points).properties(title=title, height=ROW_PX * 3 // 2 * len(order))
    return readable(layers)


def success_frame(summary: list[dict], group_by: tuple[str, ...]) -> pd.DataFrame:
    """One line per group: its label, solved, runs, success rate, median steps and seconds."""
    return pd.DataFrame(
        [
            {
                "condition": "/".join(str(s[k]) for k in group_by),
                "solved": s["solved"],
                "runs": s["runs"] - s["failed"],
                "success_rate": s["success_rate"],
                "median_steps_to_solve": s["median_steps_to_solve"],
                "median_train_seconds": s["median_train_seconds"],
            }
            for s in summary
        ]
    )


def success_chart(summary: list[dict], group_by: tuple[str, ...]) -> alt.Chart:
    """Success rate per group (bars), with 'solved of runs' in the tooltip."""
    frame = success_frame(summary, group_by)
    return readable(
        alt.Chart(frame, title="Success rate: seeds that solved the test set")
        .mark_bar()
        .encode(
            x=alt.X("success_rate:Q", title="success rate", scale=FULL_SCALE, axis=PERCENT),
            y=alt.Y("condition:N", title=None, sort=list(frame["condition"])),
            tooltip=[
                "condition:N",
                "solved:Q",
                "runs:Q",
                alt.Tooltip("success_rate:Q", title="success rate", format=".0%"),
                alt.Tooltip("median_steps_to_solve:Q", title="median steps to solve"),
            ],
        )
        .properties(height=ROW)
    )


def per_run_chart(rows: list[dict], field: str, title: str, axis_title: str) -> alt.LayerChart:
    """One point per run (strip) and a box per condition, of a numeric row field."""
    frame = runs_frame([row for row in rows if row["error"] is None]).dropna(subset=[field])
    frame[field] = frame[field].astype(float)
    y = alt.Y("condition:N", title=None, sort=_conditions(rows))
    x = alt.X(f"{field}:Q", title=axis_title)
    box = alt.Chart(frame).mark_boxplot(opacity=0.35, extent="min-max").encode(x=x, y=y)
    strip = (
        alt.Chart(frame)
        .mark_circle(size=70, opacity=0.9)
        .encode(
            x=x,
            y=y,
            color=alt.Color("seed:N", title="seed"),
            tooltip=["condition:N", "seed:N", f"{field}:Q", "status:N"],
        )
    )
    return readable((box + strip).properties(title=title, height=ROW))


def steps_chart(rows: list[dict]) -> alt.LayerChart:
    """Steps to solve of every run that solved (unsolved runs have none)."""
    return per_run_chart(rows, "solved_at_step", "Steps to solve (solved runs)", "step")


def time_chart(rows: list[dict]) -> alt.LayerChart:
    """Training seconds of every run."""
    return per_run_chart(rows, "train_seconds", "Training time per run", "seconds")


def sweep_cells(rows: list[dict]) -> pd.DataFrame:
    """One line per (hidden size, longest string): success rate, median steps, seeds solved."""
    frame = runs_frame([row for row in rows if row["error"] is None])
    cells = []
    for (hidden, max_len), cell in frame.groupby(["hidden_size", "max_len"], sort=True):
        solved = cell[cell["solved"]]
        cells.append(
            {
                "hidden_size": int(hidden),
                "max_len": int(max_len),
                "runs": len(cell),
                "solved": len(solved),
                "success_rate": len(solved) / len(cell),
                "median_steps_to_solve": solved["solved_at_step"].median() if len(solved) else None,
                "seeds_solved": ", ".join(map(str, sorted(solved["seed"]))) or "none",
                "label": f"{len(solved)}/{len(cell)}",
            }
        )
    return pd.DataFrame(cells)


def sweep_heatmap(rows: list[dict]) -> alt.LayerChart:
    """Success rate by hidden size (rows) x longest training string (columns)."""
    cells = sweep_cells(rows)
    base = alt.Chart(cells).encode(
        x=alt.X("max_len:O", title="longest training string", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("hidden_size:O", title="hidden size", sort="descending"),
        tooltip=[
            alt.Tooltip("hidden_size:O", title="hidden size"),
            alt.Tooltip("max_len:O", title="longest training string"),
            alt.Tooltip("success_rate:Q", title="success rate", format=".0%"),
            alt.Tooltip("median_steps_to_solve:Q", title="median steps to solve"),
            alt.Tooltip("seeds_solved:N", title="seeds solved"),
        ],
    )
    rect = base.mark_rect().encode(
        color=alt.Color(
            "success_rate:Q",
            title="success rate",
            scale=alt.Scale(domain=[0, 1], scheme="redyellowgreen"),
            legend=alt.Legend(format="%"),
        )
    )
    dark = "datum.success_rate > 0.8 || datum.success_rate < 0.2"  # the scheme's dark ends
    text = base.mark_text(fontSize=16).encode(
        text="label:N", color=alt.condition(dark, alt.value("white"), alt.value("black"))
    )
    title = "Success rate (seeds solved / runs) by hidden size and longest training string"
    return readable(
        (rect + text).properties(title=title, height=60 * cells["hidden_size"].nunique())
    )
