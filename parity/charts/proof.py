"""The proof's charts: the margin against length out to a million bits, regions on the state map."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ._base import readable


def margin_chart(frame: pd.DataFrame) -> alt.Chart:
    """Smallest margin so far per stream against length (log axis), a rule at the boundary.

    `frame`: stream, label, length, margin (parity.evaluation.proof_jobs.margin_table: the
    smallest margin since the previous length); drawn as the running minimum, one falling
    line per stream.
    """
    ordered = frame.sort_values(["stream", "length"])
    so_far = ordered.assign(margin=ordered.groupby("stream")["margin"].cummin())
    lines = (
        alt.Chart(so_far)
        .mark_line(strokeWidth=1.6, opacity=0.85)
        .encode(
            x=alt.X("length:Q", title="string length (bits)", scale=alt.Scale(type="log")),
            y=alt.Y("margin:Q", title="margin (logit on the right side)"),
            color=alt.Color("label:N", title="string", legend=alt.Legend(orient="right")),
            tooltip=[
                alt.Tooltip("label:N", title="string"),
                alt.Tooltip("length:Q", format=","),
                alt.Tooltip("margin:Q", format=".4g"),
            ],
        )
    )
    boundary = (
        alt.Chart(pd.DataFrame({"margin": [0.0]}))
        .mark_rule(color="#c92a2a", strokeDash=[6, 4])
        .encode(y="margin:Q")
    )
    chart = alt.layer(lines, boundary, title="Distance to the decision boundary, by length")
    return readable(chart.properties(height=380))


def region_boxes(regions: list[dict], projection) -> pd.DataFrame:
    """The regions' enclosing rectangles on a state map's two axes.

    Each region (a certificate's to_dict() entry: centre, radius) holds its states within
    `radius` of its centre in every unit, so on axis k they lie within radius * sum |axis k|
    of the projected centre: x1, x2, y1, y2, name, label.
    """
    import torch

    rows = []
    width = len(projection.mean)
    spans = projection.axes.abs().sum(1).numpy()  # (2,)
    for r in regions:
        centre = torch.tensor([r["centre"][:width]], dtype=projection.mean.dtype)
        x, y = projection(centre)[0]
        dx, dy = r["radius"] * spans
        rows.append(
            {"x1": x - dx, "x2": x + dx, "y1": y - dy, "y2": y + dy}
            | {"name": r["name"], "label": r["label"]}
        )
    return pd.DataFrame(rows, columns=["x1", "x2", "y1", "y2", "name", "label"])


MANY_REGIONS = 40  # beyond this many outlines, they are drawn thin and pale


def regions_layer(boxes: pd.DataFrame) -> alt.Chart:
    """The regions as outlined rectangles, to lay over a state map."""
    many = len(boxes) > MANY_REGIONS  # a cover of cells: thin, pale outlines over the cloud
    return (
        alt.Chart(boxes)
        .mark_rect(
            fillOpacity=0.0,
            strokeWidth=0.6 if many else 1.4,
            strokeOpacity=0.45 if many else 1.0,
            stroke="#212529",
        )
        .encode(x="x1:Q", x2="x2:Q", y="y1:Q", y2="y2:Q", tooltip=["name:N", "label:N"])
    )


def regions_chart(cloud: pd.DataFrame, boxes: pd.DataFrame) -> alt.Chart:
    """The state map's cloud (coloured by running parity) with the regions outlined on it."""
    from .machine import PARITY_SCALE

    points = (
        alt.Chart(cloud)
        .mark_circle(size=22, opacity=0.35)
        .encode(
            x=alt.X("pc1:Q", title="principal axis 1", scale=alt.Scale(zero=False)),
            y=alt.Y("pc2:Q", title="principal axis 2", scale=alt.Scale(zero=False)),
            color=alt.Color("parity:N", title="running parity", scale=PARITY_SCALE),
        )
    )
    chart = alt.layer(points, regions_layer(boxes), title="The certificate's regions (projected)")
    return readable(chart.properties(height=380))
