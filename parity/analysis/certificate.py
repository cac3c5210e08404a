"""What certify returns: the certificate, and the regions (abstract states) it is made of."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

METHOD = (
    "exhaustive float32 run up to length N; zonotopes (mean-value form with interval "
    "Jacobians) from the start state up to length N and for blocks of k bits from every "
    "region (a box of states of one parity and one last bit) into a region"
)
CELL_METHOD = (
    "exhaustive float32 run up to length N; zonotopes (mean-value form with interval "
    "Jacobians, the gates' inputs ranged over each zonotope) from the start state up to "
    "length N, and from every cell (a small box of one parity and one last bit on a grid) "
    "bit by bit until each string's set fits inside a cell"
)
ARITHMETIC = (
    "float64 interval arithmetic with outward rounding, plus a float32 rounding bound per step "
    "(u = 2^-24 per operation, gamma(k) for sums of k terms, 16 u for sigmoid and tanh)"
)


@dataclass
class Region:
    """An abstract state: a box of states [lo, hi], all of one parity, after one last bit."""

    index: int
    parity: int
    last_bit: int
    lo: np.ndarray
    hi: np.ndarray
    targets: dict = field(default_factory=dict)  # first bit of a block -> regions it ends in

    @property
    def name(self) -> str:
        return f"R{self.index} ({'odd' if self.parity else 'even'}, last bit {self.last_bit})"

    def to_dict(self) -> dict:
        centre, rad = 0.5 * (self.lo + self.hi), 0.5 * (self.hi - self.lo)
        return {
            "name": self.name,
            "label": "odd" if self.parity else "even",
            "last_bit": self.last_bit,
            "centre": [round(float(x), 6) for x in centre],
            "radius": float(rad.max()),
            "transitions": self.targets,
        }


@dataclass
class Certificate:
    """The outcome of certify: proven or not, and everything a reader needs to check why."""

    proven: bool
    enumerated_length: int
    reason: str | None = None
    counterexample: str | None = None
    block: int | None = None
    regions: list[Region] = field(default_factory=list)
    region_margin: float | None = None
    decision_margin: float | None = None
    escaping: str | None = None
    seconds: float = 0.0
    method: str = METHOD
    arithmetic: str = ARITHMETIC
    cell_size: float | None = None  # the cells' half-width, when a cover of cells closed
    longest_branch: int | None = None  # the most bits a string of that cover ran to fit

    @property
    def closure(self) -> str:
        """How the regions close, in words ('' unless proven)."""
        if not self.proven:
            return ""
        if self.cell_size is None:
            return (
                f"{len(self.regions)} regions of states are closed under every block of "
                f"{self.block} bit{'s' * (self.block != 1)}"
            )
        return (
            f"{len(self.regions):,} cells of half-width {self.cell_size:g} closed: from every "
            f"cell, every string of bits lands in a cell within {self.longest_branch} bits"
        )

    def to_dict(self) -> dict:
        return {
            "proven": self.proven,
            "method": self.method,
            "arithmetic": self.arithmetic,
            "enumerated_length": self.enumerated_length,
            "block": self.block,
            "cell_size": self.cell_size,
            "longest_branch": self.longest_branch,
            "closure": self.closure,
            "regions": [r.to_dict() for r in self.regions],
            "margin": {"region": self.region_margin, "decision": self.decision_margin},
            "reason": self.reason,
            "escaping_region": self.escaping,
            "counterexample": self.counterexample,
            "seconds": round(self.seconds, 3),
        }
