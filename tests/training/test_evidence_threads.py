"""Evidence over threads (runtime.set_evidence_threads): the very same runs as on one thread."""

from __future__ import annotations

import torch

from parity.core import runtime
from parity.core.config import Config
from parity.training.batched import train_many


def fingerprint(results) -> list:
    return [
        (
            r.status,
            r.steps,
            r.solved_at_step,
            r.restarts,
            r.summary()["final_loss"],
            r.history.drop(columns="elapsed").to_dict("list"),
            r.verdict.to_dict(),
            [p.clone() for p in r.model.parameters()],
        )
        for r in results
    ]


def same(a, b) -> bool:
    return all(
        x[:7] == y[:7] and all(torch.equal(p, q) for p, q in zip(x[7], y[7], strict=True))
        for x, y in zip(a, b, strict=True)
    )


def test_a_stack_trains_and_is_judged_the_same_on_two_threads(monkeypatch):
    configs = [Config(seed=s, steps=120, restart_after=30) for s in (0, 4, 9)]
    alone = fingerprint(train_many(configs))
    monkeypatch.setattr(runtime, "_evidence_threads", 2)
    assert same(fingerprint(train_many(configs)), alone)
    assert {r[0] for r in alone} <= {"generalized", "budget"}
