"""ui.replay: a replayed model's cache key."""

from __future__ import annotations

from ui import replay


def test_a_replayed_models_cache_key_is_its_runs_key_and_step():
    assert replay.snapshot_key("k", 40) == "k@step40"
