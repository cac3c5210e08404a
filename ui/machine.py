"""The "What it computes" page's pieces: the automaton in words and its stability table."""

from __future__ import annotations

import pandas as pd

from parity.analysis.automaton import Automaton

MAX_PATH = 2_000  # steps of the user's string drawn on the map


def drift_phrase(automaton: Automaton) -> str | None:
    """The first drift in words: 'after 20 zeros from state 1 (odd), the network is in
    state 0, where the automaton says state 1'; else the first run that never settled."""
    for d in automaton.drift:
        if d.left_at is not None:
            answer = "odd" if d.state in automaton.accepting else "even"
            into = f"state {d.found_in}" if d.found_in is not None else "no state"
            run = ("zero" if d.bit == "0" else "one") + ("s" if d.left_at != 1 else "")
            return (
                f"after {d.left_at:,} {run} from state {d.state} ({answer}), the network is "
                f"in {into}, where the automaton says state {d.expected}"
            )
    for d in automaton.drift:
        if not d.settles:
            answer = "odd" if d.state in automaton.accepting else "even"
            run = "zeros" if d.bit == "0" else "ones"
            return (
                f"after {d.steps:,} {run} from state {d.state} ({answer}), the network's state "
                "is still moving: it stays in its cluster but never settles into a fixed point "
                "or a short cycle, so no test can follow everywhere it goes"
            )
    return None


def verdict(automaton: Automaton) -> tuple[str, str]:
    """('success' | 'warning' | 'info', one paragraph) about the extracted automaton."""
    a = automaton
    steps = a.drift[0].steps if a.drift else 0
    if a.is_parity and a.stable:
        return "success", (
            f"**The two-state parity automaton**, and stable: from each state, {steps:,} "
            f"zeros and {steps:,} ones keep the continuous state in its cluster."
        )
    drift = drift_phrase(a)
    if a.is_parity:
        return "warning", (
            "**The two-state parity automaton on short strings, but not stable**: "
            f"{drift}. Long runs like this are where length generalization breaks."
        )
    plural = "s" if a.states != 1 else ""
    consistency = f"{a.agreement:.1%} of the sampled transitions follow this table" + (
        "" if a.consistent else ", too few for a consistent automaton"
    )
    return "info", (
        f"**Not the parity automaton**: {a.states} state{plural} after minimisation "
        f"({consistency})." + (f" Also, {drift}." if drift else "")
    )


def drift_frame(automaton: Automaton) -> pd.DataFrame:
    """The stability runs as a table a person reads."""
    rows = []
    for d in automaton.drift:
        rows.append(
            {
                "from state": d.state,
                "answer there": "odd" if d.state in automaton.accepting else "even",
                "fed": f"{d.steps:,} {'zeros' if d.bit == '0' else 'ones'}",
                "result": f"leaves at step {d.left_at:,}"
                if d.left_at is not None
                else "stays on its path"
                if d.settles
                else "stays on its path, never settles",
            }
        )
    return pd.DataFrame(rows)
