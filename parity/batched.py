"""train_many(configs): K models of one shape trained as one stacked computation.

(First version: validates the group and trains the models one after another with
parity.train.train; the stacked computation replaces the loop below.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .config import Config
from .train import Progress, TrainResult, train


def check_group(configs: Sequence[Config]) -> tuple[Config, ...]:
    """The configs as a tuple, if they differ in nothing but the seed; ValueError otherwise."""
    configs = tuple(configs)
    if not configs:
        raise ValueError("train_many needs at least one config")
    base = configs[0].replace(seed=0)
    for config in configs[1:]:
        if config.replace(seed=0) != base:
            differ = [
                k for k, v in config.to_dict().items() if k != "seed" and v != getattr(base, k)
            ]
            raise ValueError(
                f"train_many trains configs that differ only in seed (these differ in "
                f"{', '.join(differ)})"
            )
    return configs


def train_many(
    configs: Sequence[Config],
    on_progress: Callable[[int, Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[TrainResult]:
    """Train every config (one shape, any seeds); results in the configs' order.

    on_progress(k, Progress) after each evaluation of model k; should_stop() before every
    step (parity.train.TrainingStopped when it answers True).
    """
    configs = check_group(configs)
    results = []
    for k, config in enumerate(configs):
        heard = None if on_progress is None else (lambda p, k=k: on_progress(k, p))
        results.append(train(config, heard, should_stop))
    return results
