"""The Look inside page: bit-string input, per-step heat maps, running prediction."""

from __future__ import annotations

from parity import cells
from parity.config import Config

from .helpers import charts, metrics, no_crash, page_app


def heatmaps(at) -> list[dict]:
    return [c for c in charts(at) if "layer" in c]


def test_default_string_draws_one_heat_map_per_lstm_quantity():
    at = page_app("inside").run()
    no_crash(at)
    maps = heatmaps(at)
    assert [m["title"] for m in maps] == list(cells.QUANTITIES["lstm"])
    for spec in maps:
        rect = spec["layer"][0]["encoding"]
        assert rect["x"]["field"] == "x0" and rect["y"]["field"] == "row"
        assert rect["color"]["field"] == "value"
        assert [t["field"] for t in rect["tooltip"]] == ["steps", "bit", "unit", "value"]
        frame = spec["frames"][spec["layer"][0]["data"]["name"]]
        assert len(frame) == 16 * Config().hidden_size  # 16 steps x 8 units, not binned
        strip = spec["frames"][spec["layer"][1]["data"]["name"]]
        assert "".join(str(int(b)) for b in strip.sort_values("step")["bit"]) == "0110100110010110"
    scales = {m["title"]: m["layer"][0]["encoding"]["color"]["scale"] for m in maps}
    assert scales["forget gate"]["domain"] == [0, 1] and scales["forget gate"]["scheme"] == "blues"
    assert scales["hidden"]["domain"] == [-1, 1] and scales["candidate"]["domain"] == [-1, 1]
    low, high = scales["cell"]["domain"]
    assert low == -high and high >= 1  # symmetric, covering the cell's largest magnitude
    shown = metrics(at)
    assert shown["Length"] == "16 bits" and shown["True parity"] == "even"
    assert shown["Model says"] == "even (right)"


def test_running_prediction_against_the_truth():
    at = page_app("inside").run()
    line = [c for c in charts(at) if "layer" not in c][0]
    (frame,) = line["frames"].values()
    truth = frame[frame["series"] == "truth: parity so far"].sort_values("step")["value"]
    assert list(truth) == [0, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 1, 0, 0]
    model = frame[frame["series"] == "model: P(odd so far)"]["value"]
    assert model.between(0, 1).all() and len(model) == 16


def test_gru_via_the_url_has_its_own_quantities():
    at = page_app(
        "inside", arch="gru", hidden_size="4", steps="40", stop="budget", eval_every="20"
    ).run()
    no_crash(at)
    assert [m["title"] for m in heatmaps(at)] == list(cells.QUANTITIES["gru"])


BAD_STRINGS = {
    "01a1": "invalid character 'a' at position 3",
    "": "empty bit string",
    "   ": "empty bit string",
    "1" * 10_001: "too long: 10001 bits, at most 10000",
}


def test_bad_bit_strings_give_an_error_and_keep_the_page():
    at = page_app("inside").run()
    for text, message in BAD_STRINGS.items():
        at.text_input(key="bit_string").set_value(text).run()
        no_crash(at)
        assert len(at.error) == 1 and message in at.error[0].value
        assert not charts(at)
        assert at.number_input(key="random_length").value == 64  # the rest of the page is there
    at.text_input(key="bit_string").set_value("111").run()
    assert not at.error and metrics(at)["True parity"] == "odd"


def test_random_string_button_draws_a_string_of_the_chosen_length():
    at = page_app("inside").run()
    at.number_input(key="random_length").set_value(30).run()
    next(b for b in at.button if b.label == "Random string").click().run()
    no_crash(at)
    first = at.text_input(key="bit_string").value
    assert len(first) == 30 and set(first) <= {"0", "1"}
    assert metrics(at)["Length"] == "30 bits"
    next(b for b in at.button if b.label == "Random string").click().run()
    assert at.text_input(key="bit_string").value != first
    again = page_app("inside").run()  # a new visitor draws the same first string
    again.number_input(key="random_length").set_value(30).run()
    next(b for b in again.button if b.label == "Random string").click().run()
    assert again.text_input(key="bit_string").value == first


def test_a_long_string_is_binned_and_stays_small():
    at = page_app("inside").run()
    at.text_input(key="bit_string").set_value("10" * 1000).run()
    no_crash(at)
    assert metrics(at)["Length"] == "2,000 bits"
    assert any("drawn as 200 columns of about 10.0 steps" in c.value for c in at.caption)
    for spec in heatmaps(at):
        frame = spec["frames"][spec["layer"][0]["data"]["name"]]
        assert len(frame) == 200 * Config().hidden_size
        assert frame["step"].min() == 1 and frame["last"].max() == 2000
    line = [c for c in charts(at) if "layer" not in c][0]
    (frame,) = line["frames"].values()
    assert len(frame) == 400 and frame["share_correct"].between(0, 1).all()


def test_a_trace_too_big_for_memory_is_cut_with_a_warning():
    at = page_app("inside", hidden_size="64", steps="20", stop="budget", eval_every="10").run()
    at.text_input(key="bit_string").set_value("1" * 5000).run()
    no_crash(at)
    limit = 250_000 // 64
    assert f"Showing the first {limit:,} of 5,000 bits" in at.warning[0].value
    assert metrics(at)["Length"] == f"{limit:,} bits"
    for spec in heatmaps(at):
        frame = spec["frames"][spec["layer"][0]["data"]["name"]]
        assert frame["last"].max() == limit and len(frame) <= 8_000
