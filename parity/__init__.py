"""Parity Lab: recurrent networks learning the parity of a bit string.

The public API: `from parity import Config, train, accuracy_by_length, extract, sweep, ...`.
Each name is imported on first use (PEP 562), so `import parity`, the command line's --help
and its argument errors load neither torch nor pandas.
"""

from __future__ import annotations

import importlib
import os

# Fewer networks per seed: torch's matrix products run in Intel MKL, which picks its code path
# by processor, and the paths round differently. Over hundreds of training steps the difference
# grows into another network (the default RNN of seed 333 stopped at step 420 on one machine and
# trained to step 630 on another). MKL's "compatible" path gave the same networks on the Intel
# machines measured, with AVX2 and with AVX-512, and costs nothing measurable at these sizes
# (the products are 32 x 8 to 2,000 x 64); an AMD EPYC still trains other networks from the same
# seeds with it, so no test expects a seed's particular network (tests/models holds the ones
# they need). MKL reads the setting at its first product, so it is set before any: every entry
# point imports this package first. A value already set is kept.
os.environ.setdefault("MKL_CBWR", "COMPATIBLE")

# Where each public name lives, by layer: module -> "name" or "name=attribute" (a rename).
_MODULES = {
    "parity.core.config": "Config",
    "parity.core.data": "parse_bits",
    "parity.nets.models": "build_model=build ParityModel",
    "parity.nets.modelfile": "save_model=save load_model=load ModelFileError",
    "parity.analysis.automaton": "extract Automaton",
    "parity.analysis.traces": "trace Trace",
    "parity.evaluation.evaluate": "accuracy_by_length",
    "parity.evaluation.families": "family_accuracy FAMILIES",
    "parity.evaluation.verdict": "judge verdict_for Verdict",
    "parity.training.train": "train TrainResult Progress",
    "parity.training.batched": "train_many",
    "parity.training.curriculum": "train_curriculum",
    "parity.training.presets": "PRESETS",
    "parity.training.diagnosis": "diagnose",
    "parity.experiments.definitions": "Experiment Run rfr compare sweep",
    "parity.experiments.runs": "execute",
    "parity.execution.executors": "make_executor SerialExecutor LocalExecutor",
    "parity.execution.ray_executor": "RayExecutor",
}
# Public name -> (module, attribute).
_API = {
    name: (module, attribute or name)
    for module, names in _MODULES.items()
    for name, _, attribute in (entry.partition("=") for entry in names.split())
}

__all__ = list(_API)


def __getattr__(name: str):
    """A public name, imported from its module the first time it is asked for."""
    if name not in _API:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _API[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # the next look-up skips __getattr__
    return value


def __dir__() -> list[str]:
    """The module's own names and the public API, before any of it is imported."""
    return sorted({*globals(), *__all__})
