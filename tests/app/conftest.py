"""Fixtures for the app tests: cold caches, a work pool of threads, a counter of trainings."""

from __future__ import annotations

import pytest
import streamlit as st

from parity.execution.workpool import WorkPool


@pytest.fixture(autouse=True)
def clear_caches():
    """Streamlit caches are process-global: every test starts cold."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(autouse=True)
def work_pool():
    """The app's pool, with threads in place of processes: AppTest runs the app in this
    process, and a job run on a thread sees the tests' monkeypatches (a worker process would
    not). Queueing, sharing and cancelling are the same code; tests/execution/test_workpool.py and
    the
    browser tests run the processes."""
    import ui.slots

    pool = WorkPool(workers=2, processes=False, grace=0.0)
    previous = ui.slots.use_pool(pool)
    yield pool
    ui.slots.use_pool(previous)
    pool.shutdown()


@pytest.fixture
def train_calls(monkeypatch):
    """Counts the trainings the pool really runs (the function it calls); returns the configs."""
    import ui.training

    calls = []
    real = ui.training.train

    def counting(config, **callbacks):
        calls.append(config)
        return real(config, **callbacks)

    monkeypatch.setattr(ui.training, "train", counting)
    return calls
