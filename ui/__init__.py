"""Streamlit glue for Parity Lab: the shared sidebar, cached library calls, session helpers.

Everything here may import streamlit; the engine (parity/) never does. No training, tensor
math or data logic lives here: only widgets, caches and calls into parity.
"""

import torch

# The app's tensors are tiny (batch 32, hidden 8) and visitors share 2 cores: intra-op
# threads cost more in synchronisation than they gain. Measured on this machine under load:
# accuracy at 31 lengths up to 10,000 took 0.5-1.5 s with 1 thread, 7.7-25 s with 2.
torch.set_num_threads(1)
