"""Shared, seeded fixtures for the engine tests."""

from __future__ import annotations

import functools
import signal

import pytest
import torch

from parity.core.config import Config
from parity.core.runtime import use_one_thread
from parity.nets.models import ParityModel
from parity.training.train import train

use_one_thread()  # as every entry point does (parity/core/runtime.py)

# The tests press Ctrl-C on the command line (SIGINT to a child process), as in a terminal. A
# shell that starts the test run in the background (`cmd &` in a script, nohup) ignores SIGINT,
# an ignored signal stays ignored across exec, and Python then installs no KeyboardInterrupt
# handler: every child would shrug the key press off and the interrupt tests time out. With a
# handler here, the children start with SIGINT at its default, as under a terminal.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def default_config() -> Config:
    """The default configuration, whatever its current values are."""
    return Config()


@pytest.fixture(scope="session")
def trained():
    """trained(config) -> TrainResult, each config trained once per session (seeded runs).

    Results are shared: tests must not change their models (copy them first).
    """
    return functools.cache(train)


@pytest.fixture(scope="session")
def default_result(trained, default_config):
    """The seeded training run of the default config."""
    return trained(default_config)


@pytest.fixture(scope="session")
def trained_model(default_result) -> ParityModel:
    """The default run's model. Read-only: tests that change it must copy it first."""
    return default_result.model


def _randomize(module: torch.nn.Module, seed: int, scale: float = 1.5) -> torch.nn.Module:
    """Overwrite every parameter with U(-scale, scale): far from torch's default init."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in module.parameters():
            param.copy_(torch.rand(param.shape, generator=gen) * 2 * scale - scale)
    return module


@pytest.fixture
def randomize():
    """randomize(module, seed, scale=1.5): seeded non-default weights, in place."""
    return _randomize
