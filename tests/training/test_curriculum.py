"""The length curriculum: prefixes of the fixed training set, stage by stage, to the full length."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from parity.core import data
from parity.core.config import Config
from parity.training.curriculum import _prefix_batches, stage_lengths, train_curriculum

SMALL = Config(
    train_size=2000,
    min_len=24,
    max_len=24,
    test_min_len=24,
    test_max_len=24,
    target="final",
    lr=0.02,
    steps=1500,
    stop="solved",
    eval_every=20,
    seed=0,
)


@pytest.mark.parametrize(
    "max_len, lengths", [(1, (1,)), (3, (2, 3)), (16, (2, 4, 8, 16)), (24, (2, 4, 8, 16, 24))]
)
def test_stage_lengths_double_up_to_the_full_length(max_len, lengths):
    assert stage_lengths(max_len) == lengths


def test_prefixes_are_the_first_bits_of_the_strings_train_would_use():
    pool = data.fixed_dataset(50, 24, 24, SMALL.seed + data.TRAIN_SET_SEED_OFFSET)
    first_train_batch = next(
        data.training_batches(data.generator(0), 50, 24, 24, train_size=50, seed=0)
    )
    assert sorted(map(tuple, first_train_batch.bits.tolist())) == sorted(
        map(tuple, pool.bits.tolist())
    )  # same strings as train()'s fixed set, in another order
    batch = next(_prefix_batches(pool, 4, 50, data.generator(0)))
    assert batch.bits.shape == (50, 4) and bool((batch.lengths == 4).all())
    assert sorted(map(tuple, batch.bits.tolist())) == sorted(map(tuple, pool.bits[:, :4].tolist()))
    assert torch.equal(batch.parity, batch.bits.sum(1).remainder(2))


@pytest.fixture(scope="module")
def small_run():
    return train_curriculum(SMALL)


def test_it_climbs_the_stages_and_solves_the_full_length(small_run):
    r = small_run
    assert r.status == "solved" and r.final_test_accuracy == 1.0
    assert r.solved_at_step == r.steps < SMALL.steps
    assert list(r.stage_starts) == list(stage_lengths(24))
    starts = list(r.stage_starts.values())
    assert starts[0] == 1 and starts == sorted(starts)
    stages = r.history["stage_len"].tolist()
    assert stages == sorted(stages) and stages[-1] == 24
    assert list(r.history.columns) == ["step", "loss", "test_accuracy", "elapsed", "stage_len"]


def test_the_same_config_gives_the_same_history(small_run):
    again = train_curriculum(SMALL)
    history = small_run.history.drop(columns="elapsed")
    pd.testing.assert_frame_equal(again.history.drop(columns="elapsed"), history)


def test_without_the_curriculum_the_same_budget_stays_near_chance(small_run):
    """The contrast the curriculum exists for: the same strings, whole, final-bit loss."""
    from parity.training.train import train

    result = train(SMALL.replace(stop="budget", steps=small_run.steps))
    assert result.solved_at_step is None
    assert result.history["test_accuracy"].between(0.4, 0.6).all()


@pytest.mark.parametrize(
    "config, lengths, message",
    [
        (SMALL.replace(train_size=0), None, "needs a fixed set of one length"),
        (SMALL.replace(min_len=1), None, "needs a fixed set of one length"),
        (SMALL, (2, 8), "must rise to max_len 24"),
        (SMALL, (8, 2, 24), "must rise to max_len 24"),
    ],
)
def test_bad_curricula_are_refused(config, lengths, message):
    with pytest.raises(ValueError, match=message):
        train_curriculum(config, lengths)


def test_progress_is_reported_at_every_evaluation_like_any_run(small_run):
    seen = []
    result = train_curriculum(SMALL, on_progress=seen.append)
    assert [p.step for p in seen] == result.history["step"].tolist()
    assert [p.test_accuracy for p in seen] == small_run.history["test_accuracy"].tolist()
    assert [p.loss for p in seen] == small_run.history["loss"].tolist()
    assert all(p.total == SMALL.steps for p in seen)


def test_a_stop_request_raises_training_stopped_at_that_step():
    from parity.training.train import TrainingStopped

    asked = []

    def stop_at_fifth_question():
        asked.append(len(asked) + 1)
        return len(asked) == 5

    with pytest.raises(TrainingStopped, match=f"step 5 of {SMALL.steps}"):
        train_curriculum(SMALL, should_stop=stop_at_fifth_question)
    assert asked == [1, 2, 3, 4, 5]


def test_the_result_is_a_train_result_with_the_stage_starts(small_run):
    from parity.training.train import TrainResult

    assert isinstance(small_run, TrainResult) and small_run.restarts == 0
    assert small_run.verdict is None  # as before: a curriculum is judged by its test set only
    assert small_run.snapshots[-1][0] == small_run.steps
