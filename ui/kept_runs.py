"""A visitor's run history as two URL query values, and back: what a reload restores.

`history` holds the runs in the share link's format (ui.run_links) with two more keys per run:
`pin:1` for a pinned run, and `id:N` where a run's number is not the one before it plus one
(after a removal; the first is 1). `overlay` holds the numbers of the overlaid runs, in order.

>>> from parity.core.config import Config
>>> encode_kept([KeptRun(1, Config(hidden_size=4), "small", True), KeptRun(3, Config())])
'hidden_size:4,name:small,pin:1~id:3'
>>> [(r.id, r.config.hidden_size, r.pinned) for r in decode_kept("hidden_size:4,pin:1~id:3")]
[(1, 4, True), (3, 8, False)]

The browser's address has room for about SAFE_ADDRESS_CHARS characters, so the runs get
KEPT_CHARS of it (percent-encoded, as Streamlit writes the address): fit() leaves out the
oldest unpinned runs first, then the oldest pinned ones; those stay in the tab only. Decoding
never trusts the text: LinkError (a ValueError) says which run and why.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import NamedTuple
from urllib.parse import quote_plus

from parity.core.config import Config
from ui.run_links import KEY_SEP, LinkError, SharedRun, decode_parts, encode_parts

PARAM = "history"  # the runs
OVERLAY = "overlay"  # the overlaid runs' numbers
OVERLAY_SEP = "."
PIN_KEY, ID_KEY = "pin", "id"
SAFE_ADDRESS_CHARS = 2000  # the longest address every browser, proxy and server keeps whole
KEPT_CHARS = 1500  # of it for the runs: the rest is the host, the page and the sidebar's settings
MAX_KEPT_RUNS = 50  # runs one address carries
MAX_ID = 10**9


class KeptRun(NamedTuple):
    """One run of the history as the address keeps it: its number, config, name and pin."""

    id: int
    config: Config
    name: str | None = None
    pinned: bool = False


def encode_kept(runs: Sequence[KeptRun]) -> str:
    """The `history` value of `runs` (in increasing id order); '' for none."""
    if not runs:
        return ""
    extras, previous = [], 0
    for run in runs:
        if run.id <= previous:
            raise ValueError(f"run ids must increase (got {run.id} after {previous})")
        extra = [] if run.id == previous + 1 else [f"{ID_KEY}{KEY_SEP}{run.id}"]
        extras.append(extra + ([f"{PIN_KEY}{KEY_SEP}1"] if run.pinned else []))
        previous = run.id
    return encode_parts([SharedRun(r.config, r.name) for r in runs], extras)


def decode_kept(text: str) -> list[KeptRun]:
    """The runs of a `history` value; LinkError on anything encode_kept did not write."""
    parts = decode_parts(text, MAX_KEPT_RUNS, KEPT_CHARS, extra_keys=frozenset({PIN_KEY, ID_KEY}))
    runs, previous = [], 0
    for number, (shared, extra) in enumerate(parts, start=1):
        run_id = _run_id(extra.get(ID_KEY), previous, number)
        if extra.get(PIN_KEY, "1") != "1":
            raise LinkError("pin is written pin:1", number, PIN_KEY)
        runs.append(KeptRun(run_id, shared.config, shared.name, PIN_KEY in extra))
        previous = run_id
    return runs


def _run_id(text: str | None, previous: int, number: int) -> int:
    """A run's id: the one after `previous`, or `text` if given (greater, at most MAX_ID)."""
    if text is None:
        return previous + 1
    if not text.isdigit() or not previous < int(text) <= MAX_ID:
        raise LinkError(f"id must be a whole number above {previous} (got {text[:12]!r})", number)
    return int(text)


def encode_overlay(ids: Sequence[int]) -> str:
    return OVERLAY_SEP.join(map(str, ids))


def decode_overlay(text: str | None, known: set[int]) -> list[int]:
    """The overlaid runs' ids among `known`, in order; anything else is left out."""
    if not text or len(text) > MAX_KEPT_RUNS * 11:
        return []
    ids = [int(p) for p in text.split(OVERLAY_SEP) if p.isdigit() and len(p) <= 10]
    return [i for i in dict.fromkeys(ids) if i in known]


def address_chars(value: str) -> int:
    """How many characters `value` takes in the address (percent-encoded as Streamlit does)."""
    return len(quote_plus(value))


@functools.lru_cache(maxsize=256)
def fit(runs: tuple[KeptRun, ...], budget: int = KEPT_CHARS) -> tuple[str, tuple[int, ...]]:
    """The `history` value of as many of `runs` as fit `budget` address characters, and the
    ids left out: the oldest unpinned first, then the oldest pinned (at most MAX_KEPT_RUNS)."""
    order = [r for r in runs if not r.pinned] + [r for r in runs if r.pinned]  # drop order
    out = order[: max(0, len(order) - MAX_KEPT_RUNS)]
    while True:
        kept = [r for r in runs if r not in out]
        value = encode_kept(kept)
        if address_chars(value) <= budget or not kept:
            return value, tuple(sorted(r.id for r in out))
        out.append(order[len(out)])
