"""Cache slots: st.cache_resource keyed by value, holding a result computed outside it.

A function cached with st.cache_resource records every st.* call it makes and replays them
on each cache hit; live progress drawn inside one would be resent, update by update, on every
redraw. So the cached function here only hands out a slot for its key; the caller computes
the result (drawing progress freely) and stores it in the slot, under the slot's lock so two
visitors asking for the same thing compute it once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

MAX_ENTRIES = 64


@dataclass
class Slot:
    """A cache entry: the result once computed, and a lock held while computing it."""

    result: Any = None
    lock: threading.Lock = field(default_factory=threading.Lock)


@st.cache_resource(max_entries=MAX_ENTRIES, show_spinner=False)
def slot(kind: str, key: Any) -> Slot:
    """The process-wide slot for (kind, key); `key` must be hashable by value."""
    return Slot()


def fill(entry: Slot, compute: Callable[[], Any], busy: str) -> Any:
    """The slot's result, computing it first (once, whoever asks) if it is empty."""
    if entry.result is not None:
        return entry.result
    if not entry.lock.acquire(blocking=False):
        with st.spinner(busy):
            entry.lock.acquire()
    try:
        if entry.result is None:
            entry.result = compute()
    finally:
        entry.lock.release()
    return entry.result
