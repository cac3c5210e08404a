"""Reading chart specs in tests: the rows a chart (or one of its layers) draws."""

from __future__ import annotations


def data_of(spec: dict, layer: dict | None = None) -> list[dict]:
    """The inline rows a chart (or one of its layers) draws."""
    name = (layer or spec)["data"]["name"]
    return spec["datasets"][name]
