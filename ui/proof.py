"""The proof on the pages: the certificate or why not, the falsifier's wrong string, margins."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from parity.charts import proof as proof_charts
from parity.evaluation import proof_jobs

from . import cached, inside, session
from .verdict import INSIDE_PAGE, bits_caption

PROOF_SECONDS = 5.0  # budget of the certificate attempt, and again of the falsifier, in the app
APP_MARGIN_LENGTH = 1_000_000  # the margin chart's length for hidden sizes up to MARGIN_HIDDEN
MARGIN_HIDDEN = 32
SHORT_MARGIN_LENGTH = 100_000  # ... and beyond (a million steps of a wide network take long)
STAGES = {"certify": "Trying to prove it for every length…", "falsify": "Hunting a wrong string…"}


def report(model_key: str, model) -> dict:
    """proof_jobs.proof_report in the work pool, cached by the model's key."""
    return cached.in_pool(
        "proof",
        (model_key, PROOF_SECONDS),
        proof_jobs.proof_report,
        (model, PROOF_SECONDS),
        STAGES["certify"],
        lambda done, total, stage: STAGES[stage],
    )


def margin_length(hidden_size: int) -> int:
    """How far the app follows the long strings for a network of this width."""
    return APP_MARGIN_LENGTH if hidden_size <= MARGIN_HIDDEN else SHORT_MARGIN_LENGTH


def margins(model_key: str, model, length: int) -> pd.DataFrame:
    """proof_jobs.margin_table in the work pool, cached by (model key, length)."""
    return cached.in_pool(
        "margins",
        (model_key, length),
        proof_jobs.margin_table,
        (model, length),
        "Feeding the long strings…",
        lambda done, total, _: f"Feeding the long strings: {done:,} of {total:,} bits…",
    )


def transition_table(regions: list[dict]) -> pd.DataFrame:
    """Region, parity, last bit, and where a block starting with 0 or with 1 takes it."""
    return pd.DataFrame(
        {
            "Region": [r["name"].split(" ")[0] for r in regions],
            "Parity": [r["label"] for r in regions],
            "Last bit": [r["last_bit"] for r in regions],
            "Radius": [f"{r['radius']:.3g}" for r in regions],
            "Block from 0 ends in": [_short(r["transitions"].get("0", [])) for r in regions],
            "Block from 1 ends in": [_short(r["transitions"].get("1", [])) for r in regions],
        }
    )


def _short(names: list[str]) -> str:
    return ", ".join(n.split(" ")[0] for n in names)


MAX_DRAWN = 600  # regions outlined on the chart (a cover of cells can hold thousands)


def proven_text(c: dict) -> str:
    """The success box of a certificate."""
    return (
        f"**Proven for every length.** This network answers the parity of every non-empty bit "
        f"string, of any length: every string up to {c['enumerated_length']} bits was run, and "
        f"{c['closure']} ({c['seconds']:.1f} s). Margins: "
        f"{c['margin']['region']:.3g} inside the regions, {c['margin']['decision']:.3g} from "
        "the decision boundary."
    )


def not_proven_text(c: dict) -> str:
    """The warning box of a refused certificate."""
    return (
        f"**Not proven for every length.** {c['reason'][0].upper()}{c['reason'][1:]}. Every "
        f"string up to {c['enumerated_length']} bits is answered right; beyond that the tests "
        "above are evidence, not proof."
    )


def _open_inside(bits: str, step: int) -> None:
    """Button callback (it runs before the page's bit-string box is drawn): the string and
    a window round `step` for Look inside."""
    st.session_state[session.BITS] = bits
    st.session_state[inside.WINDOW_KEY] = inside.window_round(step, len(bits))


def look_inside_at(bits: str, step: int, key: str) -> None:
    """A button opening Look inside on `bits`, its window round `step`."""
    if st.button(
        "Look inside at that step",
        key=key,
        icon=":material/biotech:",
        on_click=_open_inside,
        args=(bits, step),
    ):
        st.switch_page(INSIDE_PAGE, query_params={})


def show_falsification(found: dict, leaves_at: int | None, bits: str | None) -> None:
    """The falsifier's outcome: its wrong string (with a way into Look inside), or its search."""
    searched = (
        f"searched every string up to {found['exhaustive_length']} bits, long strings out to "
        f"{found['stream_length']:,} bits and a guided beam out to {found['beam_length']:,} "
        f"bits: {found['strings_tried']:,} strings in {found['seconds']:.1f} s"
    )
    if not found["found"]:
        st.info(f"No wrong string found ({searched}). That is not a proof.")
        return
    st.error(
        f"**A wrong string:** {found['described']} (found by the {found['found_by']} search; "
        f"{searched}).",
        icon=":material/report:",
    )
    st.markdown(bits_caption(bits))
    if leaves_at is not None:
        st.caption(
            f"Its state leaves the region its parity's short strings reach at step "
            f"{leaves_at:,}, and the answer is wrong at step {len(bits):,}."
        )
        look_inside_at(bits, leaves_at, key="falsifier_inside")


def show_certificate(model_key: str, model, cloud: pd.DataFrame, projection) -> None:
    """The What it computes page's proof section."""
    st.subheader("Proof for every length")
    found = report(model_key, model)
    c = found["certificate"]
    if c["proven"]:
        st.success(proven_text(c), icon=":material/workspace_premium:")
        drawn = c["regions"][:MAX_DRAWN]
        boxes = proof_charts.region_boxes(drawn, projection)
        st.altair_chart(proof_charts.regions_chart(cloud, boxes), width="stretch")
        if len(drawn) < len(c["regions"]):
            st.caption(
                f"The chart outlines the first {len(drawn):,} of the {len(c['regions']):,} "
                "cells; the table lists them all."
            )
        st.dataframe(transition_table(c["regions"]), hide_index=True)
    else:
        st.warning(not_proven_text(c), icon=":material/pending:")
        falsified = found["falsification"]
        if falsified is not None:
            show_falsification(falsified, found["leaves_at"], falsified["counterexample"])
    with st.expander("How the proof works"):
        st.markdown(f"**Method:** {c['method']}.\n\n**Arithmetic:** {c['arithmetic']}.")


def show_margins(model_key: str, model, hidden_size: int) -> None:
    """The Length page's margin-against-length chart."""
    length = margin_length(hidden_size)
    st.subheader("Margin out to a million bits")
    st.markdown(
        "The answer is right while the logit stays on its side of the decision boundary. Each "
        "line follows one long string and shows its smallest margin so far at each length, "
        "so a slow drift shows here long before it flips an answer."
    )
    if length < APP_MARGIN_LENGTH:
        st.caption(
            f"Followed to {length:,} bits (a network of {hidden_size} units takes too long for "
            f"the app at {APP_MARGIN_LENGTH:,}; the command `margins` goes the whole way)."
        )
    frame = margins(model_key, model, length)
    st.altair_chart(proof_charts.margin_chart(frame), width="stretch")
    wrong = frame.loc[frame["first_wrong"] > 0].drop_duplicates("stream")
    if wrong.empty:
        low = frame["margin"].min()
        st.success(f"Right on every long string up to {length:,} bits; smallest margin {low:.3g}.")
    else:
        listed = "; ".join(f"{r.label} from length {r.first_wrong:,}" for r in wrong.itertuples())
        st.warning(f"Wrong on: {listed}.")
