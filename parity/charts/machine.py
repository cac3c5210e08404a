"""Pictures of what a network computes: its automaton (a DOT graph) and its state map.

automaton_dot(automaton) is Graphviz DOT text (Streamlit draws it in the browser, no
graphviz package needed); state_map_chart and unit_chart are altair charts from the tidy
frames of parity.analysis.statemap. Never imports streamlit.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ._base import readable

EVEN_COLOUR, ODD_COLOUR = "#1971c2", "#e8590c"
PARITY_SCALE = alt.Scale(domain=["even", "odd"], range=[EVEN_COLOUR, ODD_COLOUR])
PATH_COLOUR = "#222222"


def _edge_labels(transitions: dict) -> dict[tuple[int, int], list[str]]:
    """(from, to) -> the input bits on that edge, so parallel edges become one ('0, 1')."""
    edges: dict[tuple[int, int], list[str]] = {}
    for state, row in transitions.items():
        for bit in ("0", "1"):
            edges.setdefault((int(state), int(row[bit])), []).append(bit)
    return edges


def automaton_dot(automaton) -> str:
    """DOT for an Automaton (or its to_dict()): odd states double circles, a start arrow.

    >>> print(automaton_dot({"states": 1, "start": 0, "accepting": [],
    ...                      "transitions": {"0": {"0": 0, "1": 0}}}).splitlines()[-2])
      s0 -> s0 [label="0, 1"];
    """
    a = automaton if isinstance(automaton, dict) else automaton.to_dict()
    accepting = {int(s) for s in a["accepting"]}
    lines = [
        "digraph automaton {",
        "  rankdir=LR;",
        '  bgcolor="transparent";',
        '  node [fontname="Helvetica", fontsize=16, style=filled, fontcolor=white];',
        '  edge [fontname="Helvetica", fontsize=16];',
        "  start [shape=point, width=0.12, fillcolor=black];",
    ]
    for state in sorted(int(s) for s in a["transitions"]):
        odd = state in accepting
        shape, colour, answer = (
            ("doublecircle", ODD_COLOUR, "odd") if odd else ("circle", EVEN_COLOUR, "even")
        )
        lines.append(
            f'  s{state} [shape={shape}, fillcolor="{colour}", color="{colour}", '
            f'label="{state}\\n{answer}"];'
        )
    lines.append(f'  start -> s{int(a["start"])} [label="start"];')
    for (src, dst), bits in sorted(_edge_labels(a["transitions"]).items()):
        lines.append(f'  s{src} -> s{dst} [label="{", ".join(bits)}"];')
    lines.append("}")
    return "\n".join(lines)


def state_map_chart(cloud: pd.DataFrame, path: pd.DataFrame | None = None, title: str = ""):
    """The cloud of states coloured by running parity; a string's path drawn over it."""
    x = alt.X("pc1:Q", title="principal axis 1", scale=alt.Scale(zero=False))
    y = alt.Y("pc2:Q", title="principal axis 2", scale=alt.Scale(zero=False))
    points = (
        alt.Chart(cloud)
        .mark_circle(size=28, opacity=0.45)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "parity:N",
                title="running parity",
                scale=PARITY_SCALE,
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=["parity:N", "answer:N", "step:Q"],
        )
    )
    layers = [points]
    if path is not None and len(path):
        line = alt.Chart(path).mark_line(color=PATH_COLOUR, strokeWidth=1.2, opacity=0.8)
        layers.append(line.encode(x=x, y=y, order="step:Q"))
        layers.append(
            alt.Chart(path)
            .mark_point(size=60, filled=True, opacity=1, stroke=PATH_COLOUR, strokeWidth=1)
            .encode(
                x=x,
                y=y,
                fill=alt.Fill("parity:N", scale=PARITY_SCALE, legend=None),
                tooltip=["step:Q", "bit:Q", "parity:N"],
            )
        )
    chart = alt.layer(*layers, title=title or "Hidden-state map (PCA)")
    return readable(chart.properties(height=420))


def unit_chart(ranking: pd.DataFrame, top: int = 32) -> alt.Chart:
    """The best `top` units by how well each alone tells the running parity (bars)."""
    frame = ranking.head(top).assign(
        name=lambda f: f["quantity"] + " " + f["unit"].astype(str),
    )
    return readable(
        alt.Chart(frame, title="Units that track the running parity")
        .mark_bar()
        .encode(
            x=alt.X(
                "accuracy:Q",
                title="best single-threshold accuracy",
                scale=alt.Scale(domain=[0.5, 1]),
                axis=alt.Axis(format="%"),
            ),
            y=alt.Y("name:N", sort=list(frame["name"]), title=None),
            color=alt.Color(
                "quantity:N",
                title=None,
                legend=alt.Legend(orient="bottom"),
                scale=alt.Scale(domain=["hidden", "cell"], range=["#495057", "#adb5bd"]),
            ),
            tooltip=[
                "name:N",
                alt.Tooltip("accuracy:Q", format=".1%"),
                alt.Tooltip("correlation:Q", format=".2f"),
            ],
        )
        .properties(height=min(400, 18 * len(frame) + 20))
    )
