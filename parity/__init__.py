"""Parity Lab: recurrent networks learning the parity of a bit string.

The public API, by layer: `from parity import Config, train, accuracy_by_length, extract`.
Each name is imported on first use (PEP 562), so `import parity`, the command line's --help
and its argument errors load neither torch nor pandas.

    core         Config, parse_bits
    nets         build_model, ParityModel, save_model, load_model, ModelFileError
    analysis     extract, Automaton, trace, Trace
    evaluation   accuracy_by_length, family_accuracy, FAMILIES, judge, verdict_for, Verdict
    training     train, TrainResult, Progress, train_many, train_curriculum, PRESETS, diagnose
    experiments  Experiment, Run, rfr, compare, sweep, execute
    execution    make_executor, SerialExecutor, LocalExecutor, RayExecutor
"""

from __future__ import annotations

import importlib

# Public name -> (module, attribute): where each name lives; imported when first asked for.
_API: dict[str, tuple[str, str]] = {
    "Config": ("parity.core.config", "Config"),
    "parse_bits": ("parity.core.data", "parse_bits"),
    "build_model": ("parity.nets.models", "build"),
    "ParityModel": ("parity.nets.models", "ParityModel"),
    "save_model": ("parity.nets.modelfile", "save"),
    "load_model": ("parity.nets.modelfile", "load"),
    "ModelFileError": ("parity.nets.modelfile", "ModelFileError"),
    "extract": ("parity.analysis.automaton", "extract"),
    "Automaton": ("parity.analysis.automaton", "Automaton"),
    "trace": ("parity.analysis.traces", "trace"),
    "Trace": ("parity.analysis.traces", "Trace"),
    "accuracy_by_length": ("parity.evaluation.evaluate", "accuracy_by_length"),
    "family_accuracy": ("parity.evaluation.families", "family_accuracy"),
    "FAMILIES": ("parity.evaluation.families", "FAMILIES"),
    "judge": ("parity.evaluation.verdict", "judge"),
    "verdict_for": ("parity.evaluation.verdict", "verdict_for"),
    "Verdict": ("parity.evaluation.verdict", "Verdict"),
    "train": ("parity.training.train", "train"),
    "TrainResult": ("parity.training.train", "TrainResult"),
    "Progress": ("parity.training.train", "Progress"),
    "train_many": ("parity.training.batched", "train_many"),
    "train_curriculum": ("parity.training.curriculum", "train_curriculum"),
    "PRESETS": ("parity.training.presets", "PRESETS"),
    "diagnose": ("parity.training.diagnosis", "diagnose"),
    "Experiment": ("parity.experiments.definitions", "Experiment"),
    "Run": ("parity.experiments.definitions", "Run"),
    "rfr": ("parity.experiments.definitions", "rfr"),
    "compare": ("parity.experiments.definitions", "compare"),
    "sweep": ("parity.experiments.definitions", "sweep"),
    "execute": ("parity.experiments.runs", "execute"),
    "make_executor": ("parity.execution.executors", "make_executor"),
    "SerialExecutor": ("parity.execution.executors", "SerialExecutor"),
    "LocalExecutor": ("parity.execution.executors", "LocalExecutor"),
    "RayExecutor": ("parity.execution.ray_executor", "RayExecutor"),
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
