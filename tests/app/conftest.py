"""Fixtures for the app tests: cold caches, and a counter of training calls."""

from __future__ import annotations

import pytest
import streamlit as st


@pytest.fixture(autouse=True)
def clear_caches():
    """Streamlit caches are process-global: every test starts cold."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def train_calls(monkeypatch):
    """Counts calls of the training function the app uses; returns the list of configs."""
    import ui.training

    calls = []
    real = ui.training.train

    def counting(config, on_progress=None):
        calls.append(config)
        return real(config, on_progress=on_progress)

    monkeypatch.setattr(ui.training, "train", counting)
    return calls
