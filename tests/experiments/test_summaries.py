"""The rfr text: numbers from the rows, and the 'why' only when the run showed the contrast."""

from __future__ import annotations

from parity.experiments import summaries as text
from parity.experiments.definitions import RFR_STEPS
from tests.experiment_rows import make_row


def rfr_rows(fixed, uniform, every=(1.0, 1.0), curriculum=(1.0, 1.0), steps=RFR_STEPS):
    """Two seeds per condition; a test accuracy of 1.0 means solved (at step 300 + seed)."""
    rows = []
    for condition, accuracies in (
        ("fixed_50", fixed),
        ("uniform_1_50", uniform),
        ("fixed_50_every", every),
        ("curriculum_50", curriculum),
    ):
        for seed, acc in enumerate(accuracies):
            solved = 300 + seed if acc == 1.0 else None
            rows.append(make_row(condition, seed, acc, solved, at_50=acc, steps=steps))
    return rows


def test_the_contrast_shown_gives_the_numbers_and_the_why():
    paragraphs = text.rfr_explanation(rfr_rows(fixed=(0.503, 0.498), uniform=(1.0, 1.0)))
    assert paragraphs[0].startswith("**Measured here:** fixed length 50 stayed at chance")
    lines = paragraphs[1].splitlines()
    assert lines[0] == (
        "- **fixed length 50**: test accuracy 50.3% and 49.8% on seeds 0 and 1: **at chance**."
    )
    assert lines[1] == (
        "- **lengths 1..50**: test accuracy 100.0% on every one of seeds 0 and 1; at length 50: "
        "100.0% on every seed; solved at step 300 and 301 on seeds 0 and 1: **solved**."
    )
    assert text.WHY in paragraphs
    assert any(p.startswith("**The strings were not the problem.**") for p in paragraphs)
    assert any(p.startswith("**Short first works too.**") for p in paragraphs)


def test_no_contrast_no_why_and_the_budget_is_named():
    rows = rfr_rows(fixed=(0.5, 0.49), uniform=(0.62, 0.55), steps=20)
    paragraphs = text.rfr_explanation(rows)
    assert paragraphs[0].startswith("**This run did not show the contrast**")
    assert "lengths 1..50 were better than chance, not solved" in paragraphs[0]
    assert (
        "Its budget was 20 steps, less than the question's one epoch (3,125 steps)"
        in (paragraphs[0])
    )
    assert text.WHY not in paragraphs
    assert not any("not the problem" in p or "Short first" in p for p in paragraphs)


def test_fixed_length_solved_is_reported_as_measured_without_the_why():
    paragraphs = text.rfr_explanation(rfr_rows(fixed=(1.0, 0.5), uniform=(1.0, 1.0)))
    assert "fixed length 50 was better than chance, not solved" in paragraphs[0]
    assert "solved at step 300 on seed 0" in paragraphs[1]
    assert text.WHY not in paragraphs


def test_follow_up_contrasts_say_only_what_they_measured():
    rows = rfr_rows(fixed=(0.5, 0.52), uniform=(1.0, 1.0), every=(1.0, 0.7), curriculum=(0.5, 0.5))
    paragraphs = text.rfr_explanation(rows)
    assert text.WHY in paragraphs
    every = next(p for p in paragraphs if "every prefix's parity as the target" in p)
    assert "better than chance, not solved here" in every and "does not show" in every
    curriculum = next(p for p in paragraphs if "length curriculum was" in p)
    assert "was at chance here" in curriculum


def test_chance_needs_both_the_test_set_and_length_50_near_half():
    near = make_row("fixed_50", 0, 0.5 + text.CHANCE_MARGIN - 0.001, at_50=0.5)
    far = make_row("fixed_50", 0, 0.5 + text.CHANCE_MARGIN + 0.01, at_50=0.5)
    at_50_far = make_row("fixed_50", 0, 0.5, at_50=0.3)
    assert text.outcome([near]) == "chance"
    assert text.outcome([far]) == text.outcome([at_50_far]) == "between"


def test_failed_runs_are_left_out_and_named():
    rows = rfr_rows(fixed=(0.5, 0.5), uniform=(1.0, 1.0))
    rows.append(make_row("uniform_1_50", 2, 0.0, error="worker process died"))
    paragraphs = text.rfr_explanation(rows)
    assert "1 run(s) failed and are left out: uniform_1_50 seed 2." in paragraphs
    assert paragraphs[0].startswith("**Measured here:**")  # the two seeds that ran showed it


def test_many_seeds_are_summarised_as_a_range():
    values = [0.48, 0.5, 0.51, 0.47, 0.53]
    assert text.per_seed(values, [0, 1, 2, 3, 4]) == "from 47.0% to 53.0% on seeds 0..4"
    assert text.per_seed(values, [9, 1, 2, 3, 4]) == "from 47.0% to 53.0% on seeds 9, 1, 2, 3 and 4"
    assert text.per_seed([1.0] * 5, [100, 101, 102, 103, 104]) == (
        "100.0% on every one of seeds 100..104"
    )
    rows = [make_row("uniform_1_50", s, 1.0, 100 * s + 100, at_50=1.0) for s in range(5)]
    assert "solved at steps 100 to 500 on seeds 0..4" in text.condition_line("uniform_1_50", rows)
    assert text.spread([0.5, 0.5]) == "50.0% on every seed" and text.spread([0.7]) == "70.0%"
