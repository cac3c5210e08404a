"""Share a set of runs as a link, and open such a link into this visitor's history.

The link is the page's address with the sidebar's settings (the current run) and one more
query parameter, `runs` (ui.run_links): opening it trains the runs not in the server's
cache (in the work pool, with progress), adds them to the history and overlays them. The
parameter is removed from the address once read; a run over the app's limits is refused with
a warning and the others are opened.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import streamlit as st

from parity.core.config import Config
from ui.run_links import (
    MAX_LINK_RUNS,
    PARAM,
    LinkError,
    SharedRun,
    decode_runs,
    encode_runs,
    sidebar_query,
)

from . import history, sidebar, training
from .messages import plain

PENDING = "shared_runs_pending"  # session_state: runs of an opened link still to fetch
OPENED = "shared_runs_opened"  # session_state: ids of that link's runs fetched so far
ATTEMPTS = "shared_runs_attempts"  # session_state: SharedRun -> fetches started
MAX_ATTEMPTS = 3
SAFE = ":,~*"  # left unescaped in the link so it stays readable
LINK_LABEL = "Link to these runs"  # the text box's label (hidden; read by the tests)


def link(config: Config, runs: list[history.Run], base: str | None) -> str:
    """The address that reopens `runs` (the first MAX_LINK_RUNS).

    The sidebar gets `config` if it is one of them, else the last of them: whoever opens
    the link then has exactly these runs in their history.
    """
    runs = runs[:MAX_LINK_RUNS]
    value = encode_runs([SharedRun(r.config, r.name) for r in runs])
    current = config if any(r.config == config for r in runs) else runs[-1].config
    query = urlencode(sidebar_query(current) | {PARAM: value}, safe=SAFE)
    if base and not urlsplit(base).path:
        base += "/"  # http://host:8501 -> http://host:8501/
    return f"{base or ''}?{query}"


def link_box(config: Config, runs: list[history.Run]) -> None:
    """'Copy link to these runs': the link to the overlaid runs, in a text box to copy from.

    A text box, not st.code: a code box makes a fresh visitor's browser load a 1.6 MB syntax
    highlighter (bench/APP_FLOOR.md); the sidebar has loaded the text box's code already.
    """
    if not runs:
        return
    st.markdown("**Copy link to these runs**")
    cut = (
        f" (the first {MAX_LINK_RUNS} of the {len(runs)} chosen)"
        if len(runs) > MAX_LINK_RUNS
        else ""
    )
    st.caption(
        f"Opening it trains or fetches the same runs{cut} for whoever opens it, names "
        "included, and overlays them."
    )
    st.text_input(
        LINK_LABEL,
        value=link(config, runs, st.context.url),
        label_visibility="collapsed",
        help="Select it all (Ctrl+A or Cmd+A inside the box) and copy.",
    )


def read_link() -> None:
    """Take the `runs` parameter out of the address; queue its runs, warn about the rest."""
    text = st.query_params.get(PARAM)
    if text is None:
        return
    del st.query_params[PARAM]
    try:
        shared = decode_runs(text)
    except LinkError as err:
        st.warning(
            f"The link's runs could not be opened: {plain(err)}. Links are made with "
            "“Copy link to these runs” on the Train page.",
            icon=":material/link_off:",
        )
        return
    accepted = []
    for number, run in enumerate(shared, start=1):
        refusal = sidebar.budget_message(run.config)
        if refusal:
            st.warning(
                f"Run {number} of the link was not opened: {refusal}", icon=":material/block:"
            )
        else:
            accepted.append(run)
    st.session_state[PENDING], st.session_state[OPENED] = accepted, []


def receive() -> None:
    """Open a link's runs, then the restored runs the server forgot (history.waiting)."""
    receive_link()
    restore_waiting()


def restore_waiting() -> None:
    """Train again the restored runs the server's cache no longer holds, one after another,
    each given up after MAX_ATTEMPTS unfinished fetches (as a link's runs)."""
    waiting = history.state().waiting
    if not waiting:
        return
    attempts = st.session_state.setdefault(ATTEMPTS, {})
    for entry in list(waiting):
        key = SharedRun(entry.kept.config, None)
        attempts[key] = attempts.get(key, 0) + 1
        if attempts[key] > MAX_ATTEMPTS:
            st.warning(f"Gave up restoring run #{entry.kept.id} after {MAX_ATTEMPTS} attempts.")
            history.remove(entry.kept.id)
            continue
        history.record(training.trained(entry.kept.config), seen_now=False)
    st.caption("Your runs are back: the server had forgotten some and trained them again.")


def receive_link() -> None:
    """Open a link's runs: trained in the pool or taken from the cache, one after another.

    A rerun that interrupts this leaves the rest queued: the next run continues. A run whose
    fetch was started MAX_ATTEMPTS times without finishing (a failing job stops the page) is
    given up, so a broken run cannot hold the page.
    """
    read_link()
    pending: list[SharedRun] = st.session_state.get(PENDING, [])
    if not pending:
        return
    opened, attempts = st.session_state[OPENED], st.session_state.setdefault(ATTEMPTS, {})
    while pending:
        run = pending[0]
        attempts[run] = attempts.get(run, 0) + 1
        if attempts[run] > MAX_ATTEMPTS:
            st.warning(f"Gave up on a run of the link after {MAX_ATTEMPTS} attempts.")
            pending.pop(0)
            continue
        result = training.trained(run.config)
        opened.append(history.record(result, run.name).id)
        pending.pop(0)
    if not opened:
        return
    history.select(opened)
    st.success(
        f"Opened the link's {len(opened)} run{'s' if len(opened) != 1 else ''}: "
        "they are in your history and overlaid below.",
        icon=":material/link:",
    )
