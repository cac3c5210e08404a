"""What it computes: the automaton read off the network's states, its stability, the state map."""

import streamlit as st

from parity.charts import machine as machine_charts
from parity.core import data
from parity.core.config import MAX_TEST_LEN as MAX_BITS
from ui import cached, machine, proof, replay, session

st.title(":material/account_tree: What it computes")
st.markdown(
    "The network's state after each bit is a point in a space with one axis per unit. Below, "
    "those points from many strings are grouped into clusters, the clusters' transitions on "
    "0 and 1 are tabulated and merged into the smallest automaton that answers the same: "
    "a parity machine is **two states, a 1 flips them, a 0 keeps them**. The map projects "
    "the same points onto their two main axes; a parity machine shows two clouds."
)

active = session.active_model()
st.session_state.setdefault(session.BITS, session.DEFAULT_BITS)
text = st.text_input(
    "Bit string drawn on the map",
    key=session.BITS,
    persist_state="session",
    help=f"0s and 1s, spaces ignored, up to {MAX_BITS:,} bits (the same string as Look inside).",
)
try:
    bits = tuple(data.parse_bits(text, max_len=MAX_BITS))
except ValueError as err:
    st.error(f"Cannot read this bit string: {err}. The map shows no path.", icon=":material/error:")
    bits = ()


def draw(model, key: str, step: int | None) -> None:
    """The automaton, its stability and the state map of `model`."""
    found = cached.automaton(key, model)
    kind, text = machine.verdict(found)
    getattr(st, kind)(text)
    graph_col, map_col = st.columns([2, 3])
    with graph_col:
        st.subheader("Automaton")
        st.graphviz_chart(machine_charts.automaton_dot(found), width="stretch")
        st.caption(
            f"{found.clusters} clusters of {found.sampled:,} sampled states, "
            f"{found.agreement:.1%} of transitions follow the table. Double circle: the "
            "network answers odd there."
        )
        st.dataframe(machine.drift_frame(found), hide_index=True)
    with map_col:
        view = cached.state_map(key, model)
        path = cached.trajectory(key, model, bits[: machine.MAX_PATH]) if bits else None
        title = "Hidden-state map" + (f" at training step {step:,}" if step else "")
        st.altair_chart(machine_charts.state_map_chart(view.cloud, path, title), width="stretch")
        if len(bits) > machine.MAX_PATH:
            st.caption(f"The path shows the first {machine.MAX_PATH:,} of {len(bits):,} bits.")
        st.altair_chart(machine_charts.unit_chart(view.ranking), width="stretch")


replay.show(active, draw)
final_map = cached.state_map(active.key, active.model)
proof.show_certificate(active.key, active.model, final_map.cloud, final_map.projection)
