"""Short labels for a set of runs, from what differs between their configs.

>>> from parity.core.config import Config
>>> a, b = Config(hidden_size=4), Config(hidden_size=8)
>>> run_labels([a, b])
['hidden 4', 'hidden 8']
>>> comparison_title([a, b])
'hidden 4 vs 8'

A run the visitor named is labelled by its name. Configs that are all equal fall back to their
seed ("seed 0"), and labels that would still collide get a number ("hidden 4 #2").
"""

from __future__ import annotations

from collections.abc import Sequence

from parity.core.config import Config, fields

# How a field reads in a label; a field not listed reads as its name with spaces
# ("restart_after" -> "restart after"), so a field added to Config needs no edit here.
SHORT_NAMES = {
    "hidden_size": "hidden",
    "batch_size": "batch",
    "min_len": "min len",
    "max_len": "max len",
    "train_size": "train set",
    "test_min_len": "test min",
    "test_max_len": "test max",
}
BARE_VALUES = frozenset({"arch", "impl"})  # 'lstm', 'scratch': the value says which field
MAX_LABEL_FIELDS = 3  # a label names at most this many differing fields, then "+N more"


def differing_fields(configs: Sequence[Config]) -> list[str]:
    """Names of the fields whose values are not all equal across `configs`, in field order."""
    return [f.name for f in fields() if len({getattr(c, f.name) for c in configs}) > 1]


def field_text(name: str, value) -> str:
    """'hidden 8', 'lr 0.05', 'gru', 'steps 2,000', 'target final'."""
    if isinstance(value, float):
        shown = f"{value:g}"
    elif isinstance(value, int):
        shown = f"{value:,}"
    else:
        shown = str(value)
    if name in BARE_VALUES:
        return shown
    return f"{SHORT_NAMES.get(name, name.replace('_', ' '))} {shown}"


def config_label(config: Config, names: Sequence[str]) -> str:
    """The label of one config naming only the fields `names` (at most MAX_LABEL_FIELDS)."""
    parts = [field_text(n, getattr(config, n)) for n in names[:MAX_LABEL_FIELDS]]
    extra = len(names) - MAX_LABEL_FIELDS
    return ", ".join(parts) + (f" +{extra} more" if extra > 0 else "")


def run_labels(configs: Sequence[Config], names: Sequence[str | None] | None = None) -> list[str]:
    """One distinct label per config: its name if given, else what differs from the others.

    With nothing differing (one run, or equal configs) the seed is the label.
    """
    names = list(names) if names is not None else [None] * len(configs)
    differ = differing_fields(configs) or ["seed"]
    labels = [
        name.strip() if name and name.strip() else config_label(c, differ)
        for c, name in zip(configs, names, strict=True)
    ]
    return unique(labels)


def unique(labels: Sequence[str]) -> list[str]:
    """The labels with repeats numbered: ['a', 'a', 'b'] -> ['a', 'a #2', 'b']."""
    out, seen = [], set()
    for label in labels:
        candidate, n = label, 1
        while candidate in seen:
            n += 1
            candidate = f"{label} #{n}"
        seen.add(candidate)
        out.append(candidate)
    return out


def comparison_title(configs: Sequence[Config]) -> str:
    """What a comparison is about: 'hidden 4 vs 8', 'lstm vs gru vs rnn', 'arch, lr differ'."""
    differ = differing_fields(configs)
    if not differ:
        return "the same configuration" if configs else "no runs"
    if len(differ) > 1:
        return f"{', '.join(SHORT_NAMES.get(n, n.replace('_', ' ')) for n in differ)} differ"
    (name,) = differ
    values = list(dict.fromkeys(getattr(c, name) for c in configs))  # in order, no repeats
    first, *rest = [field_text(name, v) for v in values]
    prefix = "" if name in BARE_VALUES else f"{SHORT_NAMES.get(name, name.replace('_', ' '))} "
    return " vs ".join([first, *(r[len(prefix) :] for r in rest)])
