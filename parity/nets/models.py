"""RNN, GRU and LSTM parity classifiers with two execution paths over one set of weights.

`impl="torch"` runs the fused nn.RNN / nn.GRU / nn.LSTM module; `impl="scratch"` runs the
explicit cells in cells.py on the very same parameters. Switching `model.impl` never changes
the weights, so a model trained by one path runs in the other.
"""

from __future__ import annotations

import torch
from torch import nn

from ..core.config import ARCHS, IMPLS
from . import cells

MODULES = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
KEEP_GATE = {"gru": "update gate", "lstm": "forget gate"}  # torch's second gate block
# Floats one forward chunk may hold without gradients, counted as rows x steps x
# step_floats(): 4 million floats is 16 MB, whatever the length and the hidden size.
MAX_CHUNK_FLOATS = 4_000_000


def step_floats(arch: str, hidden_size: int) -> int:
    """Floats a no-gradient forward holds per (row, step): G gate pre-activations per unit
    (the input projection), the hidden states and their stacked copy (G + 2 per unit)."""
    return (cells.GATES[arch] + 2) * hidden_size


def time_chunk(rows: int, floats_per_step: int, max_floats: int = MAX_CHUNK_FLOATS) -> int:
    """Steps per forward chunk so rows x steps x floats_per_step stays <= max_floats (>= 1).

    >>> time_chunk(1000, 6 * 256), time_chunk(1, 6 * 8)
    (2, 83333)
    """
    return max(1, max_floats // max(1, rows * floats_per_step))


class ParityModel(nn.Module):
    """Reads bits one at a time; a linear head turns each hidden state into a parity logit."""

    def __init__(self, arch: str = "lstm", hidden_size: int = 8, impl: str = "torch"):
        super().__init__()
        if arch not in ARCHS:
            raise ValueError(f"arch must be one of {', '.join(ARCHS)} (got {arch!r})")
        self.arch, self.hidden_size = arch, hidden_size
        self.impl = impl
        self.rnn = MODULES[arch](input_size=1, hidden_size=hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    @property
    def impl(self) -> str:
        return self._impl

    @impl.setter
    def impl(self, value: str) -> None:
        if value not in IMPLS:
            raise ValueError(f"impl must be one of {', '.join(IMPLS)} (got {value!r})")
        self._impl = value

    def cell_params(self) -> dict[str, torch.Tensor]:
        """The recurrent weights under the names cells.scratch_run expects."""
        r = self.rnn
        return {
            "weight_ih": r.weight_ih_l0,
            "weight_hh": r.weight_hh_l0,
            "bias_ih": r.bias_ih_l0,
            "bias_hh": r.bias_hh_l0,
        }

    def run(self, bits: torch.Tensor, state=None):
        """Hidden states for (B, T) bits: returns (outputs (B, T, H), final state)."""
        if self.impl == "scratch":
            outputs, state, _ = cells.scratch_run(self.arch, self.cell_params(), bits, state)
            return outputs, state
        if state is not None:  # torch wants a leading layer axis
            state = tuple(s.unsqueeze(0) for s in state) if self.arch == "lstm" else state[None]
        outputs, state = self.rnn(bits.unsqueeze(-1), state)  # (B, T, 1) -> (B, T, H)
        state = tuple(s.squeeze(0) for s in state) if self.arch == "lstm" else state.squeeze(0)
        return outputs, state

    def forward(self, bits: torch.Tensor) -> torch.Tensor:
        """Parity logits after every step, (B, T). Causal: step t sees bits 0..t only."""
        outputs, _ = self.run(bits)
        return self.head(outputs).squeeze(-1)

    def step_floats(self) -> int:
        """Floats a no-gradient forward holds per (row, step) (see step_floats)."""
        return step_floats(self.arch, self.hidden_size)

    @torch.no_grad()
    def final_logits(
        self,
        bits: torch.Tensor,
        lengths: torch.Tensor,
        chunk: int | None = None,
        max_floats: int = MAX_CHUNK_FLOATS,
    ):
        """Logit at each sequence's last real step, (B,), running time in chunks of `chunk`.

        By default `chunk` keeps B x chunk x step_floats() within max_floats, so memory is
        bounded whatever the length and the hidden size; padding after a sequence's end is
        never read into its answer.
        """
        chunk = chunk or time_chunk(bits.shape[0], self.step_floats(), max_floats)
        last = lengths - 1
        answer = bits.new_zeros(bits.shape[0])
        state = None
        for start in range(0, bits.shape[1], chunk):
            outputs, state = self.run(bits[:, start : start + chunk], state)
            inside = (last >= start) & (last < start + outputs.shape[1])
            if inside.any():
                rows = inside.nonzero().squeeze(1)
                h = outputs[rows, last[rows] - start]  # (n, H)
                answer[rows] = self.head(h).squeeze(-1)
        return answer

    def predict(
        self, bits: torch.Tensor, lengths: torch.Tensor, max_floats: int = MAX_CHUNK_FLOATS
    ) -> torch.Tensor:
        """Predicted parity, (B,) int64 in {0, 1}."""
        return (self.final_logits(bits, lengths, max_floats=max_floats) > 0).long()


@torch.no_grad()
def build(config) -> ParityModel:
    """A freshly initialised model for `config`, seeded by config.seed.

    Every weight is drawn from U(-1/sqrt(H), 1/sqrt(H)), torch's own default for these
    modules, but from a private generator: the global RNG is neither read nor disturbed, so
    concurrent builds (one per app visitor) stay deterministic. config.gate_bias is then added
    to the hidden bias of the keep gate (GRU: update gate z; LSTM: forget gate f; torch's
    second gate block in both).
    """
    with torch.device("meta"):  # torch's own init would draw from the global RNG
        model = ParityModel(config.arch, config.hidden_size, config.impl)
    gen = torch.Generator().manual_seed(config.seed)
    bound = config.hidden_size**-0.5
    weights = {  # fresh tensors, not to_empty(): on meta tensors that imports sympy (0.3 s)
        name: torch.empty(param.shape).uniform_(-bound, bound, generator=gen)
        for name, param in model.named_parameters()
    }
    model.load_state_dict(weights, assign=True)
    gate_bias = getattr(config, "gate_bias", 0.0)
    if gate_bias and config.arch in KEEP_GATE:
        hidden = config.hidden_size
        model.rnn.bias_hh_l0[hidden : 2 * hidden] += gate_bias
    return model
