"""A set of runs as one readable URL query value, and back, with validation.

Each run is its config's non-default fields as `field:value` pairs joined by commas, plus an
optional `name:...`; runs are joined by `~`; a run with no field of its own is `default`.
Settings that every run of the link shares come once, in a first part marked `*`:

>>> from parity.core.config import Config
>>> encode_runs([SharedRun(Config(hidden_size=4)), SharedRun(Config(arch="gru", lr=0.01), "fast")])
'hidden_size:4~arch:gru,lr:0.01,steps:6000,gate_bias:-6,restart_after:250,name:fast'
>>> encode_runs([SharedRun(Config(steps=60, hidden_size=h)) for h in (4, 8, 16)])
'*steps:60~hidden_size:4~default~hidden_size:16'
>>> [(r.config.hidden_size, r.config.steps) for r in decode_runs("*steps:60~default~hidden_size:4")]
[(8, 60), (4, 60)]

Decoding never trusts the text: an unknown field, a bad value, a repeated field, too many
runs or too long a value raise LinkError (a ValueError) saying which run and field.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple
from urllib.parse import unquote

from parity.core.config import Config, fields

PARAM = "runs"  # the URL query parameter
RUN_SEP, FIELD_SEP, KEY_SEP = "~", ",", ":"
DEFAULT_RUN = "default"
SHARED_MARK = "*"  # a first part starting with this holds the settings every run shares
NAME_KEY = "name"
MAX_LINK_RUNS = 8  # runs one link carries: more would not read as one overlay
MAX_NAME_CHARS = 40
MAX_LINK_CHARS = 4000  # longer values are refused before they are parsed
_ESCAPES = {"%": "%25", RUN_SEP: "%7E", FIELD_SEP: "%2C", KEY_SEP: "%3A"}  # '%' first


class SharedRun(NamedTuple):
    """One run of a link: its configuration and the name the visitor gave it (or None)."""

    config: Config
    name: str | None = None


class LinkError(ValueError):
    """A link value that cannot be read: which run (1-based, or None) and field, and why."""

    def __init__(self, reason: str, run: int | None = None, field: str | None = None):
        self.reason, self.run, self.field = reason, run, field
        where = f"run {run}: " if run is not None else ""
        super().__init__(where + reason)


def value_text(value) -> str:
    """A field value as link text: 'gru', '4', '0.01', '1e-05' (floats round-trip exactly)."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def clean_name(name: str | None) -> str | None:
    """A run name as stored and shared: one line, trimmed, at most MAX_NAME_CHARS; or None."""
    if name is None:
        return None
    text = " ".join("".join(c if c.isprintable() else " " for c in name).split())
    return text[:MAX_NAME_CHARS] or None


def _item(name: str, value) -> str:
    return f"{name}{KEY_SEP}{value_text(value)}"


def shared_fields(runs: Sequence[SharedRun]) -> dict:
    """Non-default field values that every one of two or more runs has: written once."""
    if len(runs) < 2:
        return {}
    default = Config()
    return {
        f.name: getattr(runs[0].config, f.name)
        for f in fields()
        if getattr(runs[0].config, f.name) != getattr(default, f.name)
        and all(getattr(r.config, f.name) == getattr(runs[0].config, f.name) for r in runs)
    }


def encode_run(run: SharedRun, shared: dict | None = None, extra: Sequence[str] = ()) -> str:
    """One run's part of the link value: the fields it sets beyond the defaults and `shared`,
    its name, then `extra` items (key:value, written by ui.kept_runs)."""
    base = Config().to_dict() | (shared or {})
    items = [
        _item(f.name, getattr(run.config, f.name))
        for f in fields()
        if getattr(run.config, f.name) != base[f.name]
    ]
    name = clean_name(run.name)
    if name:
        escaped = "".join(_ESCAPES.get(c, c) for c in name)
        items.append(f"{NAME_KEY}{KEY_SEP}{escaped}")
    return FIELD_SEP.join([*items, *extra]) or DEFAULT_RUN


def encode_runs(runs: Sequence[SharedRun]) -> str:
    """The link value for `runs` (at most MAX_LINK_RUNS), settings they all share written once.

    >>> from parity.core.config import Config
    >>> encode_runs([SharedRun(Config(steps=60, seed=s)) for s in (0, 1)])
    '*steps:60~default~seed:1'
    """
    if not 1 <= len(runs) <= MAX_LINK_RUNS:
        raise LinkError(f"a link carries 1 to {MAX_LINK_RUNS} runs (got {len(runs)})")
    return encode_parts(runs, [()] * len(runs))


def encode_parts(runs: Sequence[SharedRun], extras: Sequence[Sequence[str]]) -> str:
    """Runs with extra items each (no count limit), settings they all share written once."""
    shared = shared_fields(runs)
    head = [SHARED_MARK + FIELD_SEP.join(_item(k, v) for k, v in shared.items())] if shared else []
    parts = [encode_run(run, shared, extra) for run, extra in zip(runs, extras, strict=True)]
    return RUN_SEP.join(head + parts)


def _items(
    text: str, run: int | None, extra_keys: frozenset = frozenset()
) -> tuple[dict[str, str], str | None, dict[str, str]]:
    """The field values, the name (or None) and the extra items of one part of a link value."""
    known = {f.name for f in fields()}
    values, name, extra = {}, None, {}
    for item in text.split(FIELD_SEP):
        key, sep, value = item.partition(KEY_SEP)
        if not sep:
            raise LinkError(f"expected field:value, got {item[:40]!r}", run)
        if key in values or key in extra or (key == NAME_KEY and name is not None):
            raise LinkError(f"{key} is given twice", run, key)
        if key == NAME_KEY and run is not None:
            name = unquote(value)
            if len(name) > MAX_NAME_CHARS or clean_name(name) != name:
                raise LinkError(
                    f"a name is one line of at most {MAX_NAME_CHARS} characters", run, key
                )
        elif key in extra_keys and run is not None:
            extra[key] = value
        elif key not in known:
            raise LinkError(f"unknown field {key[:40]!r}", run, key[:40])
        else:
            values[key] = value
    return values, name, extra


def decode_run(text: str, run: int, shared: dict[str, str] | None = None) -> SharedRun:
    """One run from its part of a link value; LinkError naming `run` (1-based) otherwise."""
    return decode_part(text, run, shared)[0]


def decode_part(
    text: str, run: int, shared: dict[str, str] | None = None, extra_keys: frozenset = frozenset()
) -> tuple[SharedRun, dict[str, str]]:
    """One run and its extra items (keys in `extra_keys`, as text) from its part."""
    if not text:
        raise LinkError("empty run", run)
    values, name, extra = ({}, None, {}) if text == DEFAULT_RUN else _items(text, run, extra_keys)
    twice = sorted(set(values) & set(shared or {}))
    if twice:
        raise LinkError(f"{twice[0]} is given in the shared part too", run, twice[0])
    return SharedRun(_config((shared or {}) | values, run), name), extra


def _config(values: dict[str, str], run: int) -> Config:
    """Config.from_dict, its ValueError turned into a LinkError naming the run and field."""
    try:
        return Config.from_dict(values)
    except ValueError as err:
        field = next((k for k in values if str(err).startswith(k)), None)
        raise LinkError(str(err), run, field) from None


def decode_runs(text: str) -> list[SharedRun]:
    """The runs of a link value; LinkError on anything that is not one this module wrote."""
    return [run for run, _ in decode_parts(text)]


def decode_parts(
    text: str,
    max_runs: int = MAX_LINK_RUNS,
    max_chars: int = MAX_LINK_CHARS,
    extra_keys: frozenset = frozenset(),
) -> list[tuple[SharedRun, dict[str, str]]]:
    """Every run of a value with its extra items; LinkError on anything this did not write."""
    if len(text) > max_chars:
        raise LinkError(f"the value is {len(text):,} characters, over {max_chars:,}")
    parts = text.split(RUN_SEP)
    shared = {}
    if parts[0].startswith(SHARED_MARK):
        shared, _, _ = _items(parts.pop(0)[len(SHARED_MARK) :], None)
    if not 1 <= len(parts) <= max_runs:
        raise LinkError(f"a link carries 1 to {max_runs} runs (got {len(parts)})")
    return [decode_part(part, i, shared, extra_keys) for i, part in enumerate(parts, start=1)]


def sidebar_query(config: Config) -> dict[str, str]:
    """The sidebar's URL parameters for `config`: its non-default fields, as link text."""
    default = Config()
    return {
        f.name: value_text(getattr(config, f.name))
        for f in fields()
        if getattr(config, f.name) != getattr(default, f.name)
    }
