"""Streamlit glue for Parity Lab: the shared sidebar, cached library calls, session helpers.

Everything here may import streamlit; the engine (parity/) never does. No training, tensor
math or data logic lives here: only widgets, caches and calls into parity.
"""

from parity.core.runtime import use_one_thread

use_one_thread()  # the app's tensors are tiny; see parity/core/runtime.py
