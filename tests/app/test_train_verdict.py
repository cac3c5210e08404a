"""The Train page's verdict: a parity machine only with every proof, failures a click away."""

from __future__ import annotations

from parity.core.config import Config
from parity.training.train import train
from tests.app.helpers import entry_app, markdown_tables, no_crash, page_app
from ui import session
from ui.verdict import evidence_table

HALF = {"density": "half", "seed": "0", "steps": "400", "stop": "solved"}  # fails 1 then 0s


def test_the_default_model_is_called_a_parity_machine_with_its_evidence():
    at = page_app("train").run()
    no_crash(at)
    result = train(Config())
    assert len(at.success) == 1
    assert at.success[0].value.startswith("**Verdict: parity machine.** Right on the test set")
    assert "two-state parity automaton" in at.success[0].value
    (table,) = markdown_tables(at)  # Markdown, so no table code for the browser to load
    expected = evidence_table(result.verdict)
    assert table["Check"] == expected["Check"].tolist() and len(table["Check"]) == 26
    assert table["Length"] == expected["Length"].tolist()
    assert table["Strings"] == [f"{n:,}" for n in expected["Strings"]]
    assert table["Check"][0] == "test set" and table["Check"][-1] == "every string up to 14 bits"
    assert table["Check"][-14:-8] == [
        "a 1, then zeros, every prefix",
        "zeros, then a 1, every prefix",
        "all ones, every prefix",
        "all zeros, every prefix",
        "alternating, every prefix",
        "short periods, every prefix",
    ]
    assert table["Check"][-8:-1] == [
        "random, every prefix",
        "sparse (2% ones), every prefix",
        "dense (98% ones), every prefix",
        "long run of 0s, every prefix",
        "long run of 1s, every prefix",
        "every short ending after long runs, every short period",
        "a search guided by the network",
    ]
    assert table["Length"][-14:-1] == ["5,000"] * 12 + ["1,000"]
    assert table["Strings"][-3] == "1,048,682"  # 4 x 256 x 1,024 endings and 106 periods
    assert set(table["Accuracy"]) == {"100.0%"}
    assert "Extracted automaton: 2 states" in at.caption[0].value
    assert not at.main.button  # nothing failed, nothing to open


def test_a_model_that_fails_a_family_says_which_and_never_generalized():
    at = page_app("train", **HALF).run()
    no_crash(at)
    assert not at.success and len(at.warning) == 1
    text = at.warning[0].value
    assert text.startswith("**Verdict: fails a family.** Solved the test set, but fails on a 1")
    assert "generaliz" not in text.lower()
    (table,) = markdown_tables(at)
    accuracy = dict(zip(table["Check"], table["Accuracy"], strict=True))
    assert accuracy["random"] == "100.0%" and accuracy["a 1, then zeros"] != "100.0%"
    assert [b.label for b in at.main.button if b.key == "verdict_failure"] == ["Look inside"]


def test_look_inside_opens_the_failing_string():
    at = entry_app()
    for key, value in HALF.items():
        at.query_params[key] = value
    at.run()
    no_crash(at)
    failure = train(Config(density="half", seed=0, steps=400, stop="solved")).verdict.failure
    at.main.button(key="verdict_failure").click().run()
    no_crash(at)
    assert at.session_state[session.BITS] == failure
    assert at.title[0].value.endswith("Look inside")
    assert at.text_input(key=session.BITS).value == failure
