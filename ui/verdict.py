"""The verdict on the Train page: what was shown about the model, with its evidence."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from parity.evaluation import families, guided, long_strings, short_strings, structured
from parity.evaluation import verdict as v

from . import session, static_table

INSIDE_PAGE = "app_pages/inside.py"
BOXES = {  # status -> (streamlit box, icon)
    v.PROVEN: (st.success, ":material/workspace_premium:"),
    v.PARITY_MACHINE: (st.success, ":material/verified:"),
    v.CHECKS_PASSED: (st.info, ":material/help:"),
    v.FAILS_FAMILY: (st.warning, ":material/warning:"),
    v.FAILS_RANDOM: (st.warning, ":material/warning:"),
    v.UNSOLVED: (st.warning, ":material/warning:"),
    v.DIVERGED: (st.error, ":material/error:"),
}
SHOWN_BITS = 60  # a failing string longer than this is shown cut, with its spelling


def check_label(check: str) -> str:
    """'one_then_zeros' -> 'a 1, then zeros'; the test set keeps its name."""
    if check == short_strings.SHORT_CHECK:
        return short_strings.SHORT_LABEL
    if long_strings.is_long(check):
        return long_strings.long_label(check)
    if check == guided.GUIDED_CHECK:
        return "a search guided by the network"
    if check == structured.STRUCTURED_CHECK:
        return "every short ending after long runs, every short period"
    return families.FAMILIES[check].label if check in families.FAMILIES else check


def evidence_table(verdict: v.Verdict) -> pd.DataFrame:
    """The evidence as the page shows it: Check, Length, Accuracy, Strings."""
    frame = verdict.evidence_frame()
    return pd.DataFrame(
        {
            "Check": [check_label(c) for c in frame["check"]],
            "Length": [
                f"up to {n:,}" if c == v.TEST_CHECK else f"{n:,}"
                for c, n in zip(frame["check"], frame["length"], strict=True)
            ],
            "Accuracy": [f"{a:.1%}" for a in frame["accuracy"]],
            "Strings": frame["strings"].tolist(),
        }
    )


def bits_caption(bits: str) -> str:
    """A failing string for reading: spelled out when it can be, else cut to SHOWN_BITS."""
    spelled = families.spell(bits)
    shown = bits if len(bits) <= SHOWN_BITS else f"{bits[:SHOWN_BITS]}… ({len(bits):,} bits)"
    return f"`{shown}`" + (f" ({spelled})" if spelled and len(bits) > SHOWN_BITS else "")


def look_inside_button(bits: str, key: str, label: str = "Look inside") -> None:
    """A button that opens Look inside with `bits` typed in.

    query_params={}: switch_page otherwise clears the URL's parameters, which Streamlit refuses
    while sidebar widgets are bound to them; the sidebar keeps its values and writes them back.
    """
    if st.button(label, key=key, icon=":material/biotech:"):
        st.session_state[session.BITS] = bits
        st.switch_page(INSIDE_PAGE, query_params={})


def show(verdict: v.Verdict) -> None:
    """The verdict's headline in a coloured box, the evidence and the first failure below."""
    box, icon = BOXES[verdict.status]
    box(
        f"**Verdict: {verdict.status}.** {verdict.headline[0].upper()}{verdict.headline[1:]}.",
        icon=icon,
    )
    with st.expander("Evidence", expanded=not verdict.is_parity_machine):
        static_table.show(evidence_table(verdict))  # Markdown: no table code to load
        if verdict.failure:
            st.markdown(
                f"First string it gets wrong ({check_label(verdict.failure_check)}): "
                + bits_caption(verdict.failure)
            )
            look_inside_button(verdict.failure, key="verdict_failure")
        if verdict.automaton:
            a = verdict.automaton
            st.caption(
                f"Extracted automaton: {a['states']} states after minimisation; "
                f"{'the' if a['is_parity'] else 'not the'} two-state parity automaton; "
                f"{'stable' if a['stable'] else 'drifts'} over long runs of 0s and 1s."
            )
