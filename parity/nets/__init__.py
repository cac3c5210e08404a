"""Networks: the from-scratch cells and their hand-written backward, the RNN / GRU / LSTM
models on both implementations, stacked models (many seeds as one computation), the losses and
model files (safetensors).

Layer: above core. May import parity.core only.
"""
