"""The Look inside page: bit-string input, per-step heat maps, running prediction."""

from __future__ import annotations

from parity.core.config import Config
from parity.nets import cells
from tests.app.helpers import charts, metrics, no_crash, page_app
from ui import inside, replay, session

QUANTITY_NAMES = {q for names in cells.QUANTITIES.values() for q in names}


def heatmaps(at) -> list[dict]:
    return [c for c in charts(at) if c.get("title") in QUANTITY_NAMES]


def rect_frame(spec: dict):
    return spec["frames"][spec["layer"][0]["data"]["name"]]


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


def test_a_long_string_shows_a_window_of_every_step_under_an_overview():
    at = page_app("inside").run()
    at.text_input(key="bit_string").set_value("10" * 1000).run()
    no_crash(at)
    assert metrics(at)["Length"] == "2,000 bits"
    overview = next(c for c in charts(at) if c.get("title", "").startswith("The whole string"))
    assert [p["name"] for p in overview["params"]] == ["window"]  # the brush
    assert at.slider(key="inside_window").value == (1, inside.WINDOW)
    for spec in heatmaps(at):  # every step of the window, not averages
        frame = rect_frame(spec)
        assert len(frame) == inside.WINDOW * Config().hidden_size
        assert frame["step"].min() == 1 and frame["last"].max() == inside.WINDOW
        assert (frame["step"] == frame["last"]).all()
    at.slider(key="inside_window").set_value((1001, 1100)).run()
    no_crash(at)
    for spec in heatmaps(at):
        strip = spec["frames"][spec["layer"][1]["data"]["name"]].sort_values("step")
        assert list(strip["step"]) == list(range(1001, 1101))
        assert "".join(str(int(b)) for b in strip["bit"]) == "10" * 50  # the flip-flop input
    line = [c for c in charts(at) if "layer" not in c][0]
    (frame,) = line["frames"].values()
    truth = frame[frame["series"] == "truth: parity so far"].sort_values("step")
    assert list(truth["step"]) == list(range(1001, 1101))
    assert list(truth["value"]) == [1, 1, 0, 0] * 25  # step 1001: a 1 after 500 ones, odd
    assert metrics(at)["Length"] == "2,000 bits"  # metrics stay about the whole string


def test_a_window_wider_than_the_limit_is_averaged():
    at = page_app("inside").run()
    at.text_input(key="bit_string").set_value("10" * 1000).run()
    at.slider(key="inside_window").set_value((1, 2000)).run()
    assert any("drawn as 200 columns of about 10.0 steps" in c.value for c in at.caption)
    for spec in heatmaps(at):
        frame = rect_frame(spec)
        assert len(frame) == 200 * Config().hidden_size and frame["last"].max() == 2000


def test_units_can_be_sorted_by_how_well_they_track_parity():
    at = page_app("inside").run()
    before = heatmaps(at)[-1]["layer"][0]["encoding"]["y"]["sort"]
    at.radio(key="unit_order").set_value(inside.UNIT_ORDERS[1]).run()
    no_crash(at)
    hidden = next(m for m in heatmaps(at) if m["title"] == "hidden")
    after = hidden["layer"][0]["encoding"]["y"]["sort"]
    assert after[0] == "bit" and sorted(after) == sorted(before) and after != before
    rows = rect_frame(hidden).groupby("row")["value"]
    # The first unit listed flips with the parity: its values split into two signs.
    top = rows.get_group(after[1])
    assert after[1].startswith("★") and top.min() < 0 < top.max()


def test_a_trace_too_big_for_memory_is_cut_with_a_warning():
    at = page_app("inside", hidden_size="64", steps="20", stop="budget", eval_every="10").run()
    at.text_input(key="bit_string").set_value("1" * 5000).run()
    no_crash(at)
    limit = 250_000 // 64
    assert f"Showing the first {limit:,} of 5,000 bits" in at.warning[0].value
    assert metrics(at)["Length"] == f"{limit:,} bits"
    assert at.slider(key="inside_window").max == limit
    for spec in heatmaps(at):
        frame = rect_frame(spec)
        assert frame["last"].max() == inside.WINDOW and len(frame) <= 8_000


def test_scrubbing_training_redraws_the_heat_maps_with_earlier_weights():
    at = page_app("inside").run()
    slider = at.select_slider(key=replay.STEP)
    steps = list(slider.options)
    assert slider.value == int(steps[-1].split()[0])  # the final model first
    final = rect_frame(next(m for m in heatmaps(at) if m["title"] == "hidden"))["value"]
    slider.set_value(int(steps[0])).run()
    no_crash(at)
    first = rect_frame(next(m for m in heatmaps(at) if m["title"] == "hidden"))["value"]
    assert len(first) == len(final) and not first.equals(final)
    assert metrics(at)["Length"] == f"{len(session.DEFAULT_BITS)} bits"
