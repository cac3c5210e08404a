"""Streamlit glue for Parity Lab: the shared sidebar, cached library calls, session helpers.

Everything here may import streamlit; the engine (parity/) never does. No training, tensor
math or data logic lives here: only widgets, caches, calls into parity and the app's own
policy (its ranges and refusals, ui/ranges.py; its URL choices, run links and labels).
"""

from parity.core.runtime import use_one_thread

use_one_thread()  # the app's tensors are tiny; see parity/core/runtime.py
