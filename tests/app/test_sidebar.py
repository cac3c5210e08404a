"""The shared sidebar: one widget per Config field, bound to the URL, validated."""

from __future__ import annotations

import dataclasses

import pytest

from parity.core import config as config_lib
from parity.core.config import Config
from parity.training import costs
from tests.app.helpers import charts, entry_app, metrics, no_crash, page_app
from ui import presets, ranges, sidebar

WIDGET_LISTS = {
    "select": "selectbox",
    "log": "select_slider",
    "slider": "slider",
    "number": "number_input",
}


def sidebar_widgets(at) -> dict[str, object]:
    """Sidebar widgets by key."""
    found = {}
    for kind in set(WIDGET_LISTS.values()):
        for widget in getattr(at.sidebar, kind):
            found[widget.key] = widget
    found.pop(presets.PICK, None)  # the preset picker above the settings: not a Config field
    return found


def test_one_widget_per_field_with_its_label_help_and_kind():
    at = entry_app().run()
    no_crash(at)
    widgets = sidebar_widgets(at)
    assert set(widgets) == {f.name for f in config_lib.fields()}
    for f in config_lib.fields():
        widget = widgets[f.name]
        assert widget.label == f.metadata["label"]
        assert f.metadata["help"] in widget.help
        assert widget.type == WIDGET_LISTS[sidebar.widget_kind(f)]
        assert widget.value == f.default


def test_advanced_fields_sit_in_the_expander():
    at = entry_app().run()
    expander = at.sidebar.expander[0]
    assert expander.label == "Advanced"
    inside = {w.key for kind in WIDGET_LISTS.values() for w in getattr(expander, kind)}
    assert inside == set(sidebar.ADVANCED)


def test_a_new_config_field_gets_a_widget_without_other_edits(monkeypatch):
    @dataclasses.dataclass(frozen=True)
    class Extended(Config):
        dropout: float = config_lib._spec(0.0, "Dropout", "Share of units dropped.", lo=0.0, hi=0.9)
        layers: int = config_lib._spec(1, "Layers", "Stacked recurrent layers.", lo=1, hi=4)

    monkeypatch.setattr(config_lib, "fields", lambda: dataclasses.fields(Extended))
    at = page_app("model").run()
    widgets = sidebar_widgets(at)
    assert widgets["dropout"].type == "number_input" and widgets["dropout"].label == "Dropout"
    assert widgets["layers"].type == "slider" and widgets["layers"].max == 4
    assert len(widgets) == len(dataclasses.fields(Extended))


def test_url_query_params_set_the_sidebar():
    at = page_app(
        "model", arch="gru", hidden_size="16", lr="0.02", max_len="30", stop="solved"
    ).run()
    no_crash(at)
    widgets = sidebar_widgets(at)
    assert widgets["arch"].value == "gru"
    assert widgets["hidden_size"].value == 16
    assert widgets["lr"].value == pytest.approx(0.02)
    assert widgets["max_len"].value == 30
    assert widgets["stop"].value == "solved"
    table = at.dataframe[0].value
    shown = dict(zip(table["setting"], table["value"], strict=True))
    assert shown["Architecture"] == "gru" and shown["Hidden size"] == "16"
    assert shown["Learning rate"] == "0.02" and shown["Longest training string"] == "30"


INVALID_URL_VALUES = {
    "hidden_size": "999",
    "arch": "transformer",
    "lr": "7",
    "steps": "-5",
    "max_len": "5000",
    "clip": "nan",
    "seed": "1e99",
    "stop": "",
    "batch_size": "abc",
    "impl": "CUDA",
    "eval_every": "0",
}


WHY = {  # what each warning says about INVALID_URL_VALUES' value
    "hidden_size": "above this app's limit of 64",
    "arch": "it must be one of lstm, gru, rnn",
    "lr": "it must be in 1e-05..1 here",
    "steps": "it must be in 1..20000 here",
    "max_len": "above this app's limit of 200",
    "clip": "it is not a finite number",
    "seed": "it is not a whole number",
    "stop": "it must be one of generalized, solved, budget",
    "batch_size": "it is not a whole number",
    "impl": "it must be one of torch, scratch",
    "eval_every": "it must be in 1..10000 here",
}


def test_invalid_url_values_are_ignored_and_the_defaults_used():
    at = page_app("model", **INVALID_URL_VALUES).run()
    no_crash(at)
    assert not at.error
    # Every value the sidebar could not use is named, with its label and why (was: only the
    # numbers above the app's range; the others were dropped silently).
    named = [w.value.split("=")[0].split()[-1] for w in at.warning]
    assert named == [f.name for f in config_lib.fields() if f.name in INVALID_URL_VALUES]
    for f, warning in zip(
        [f for f in config_lib.fields() if f.name in INVALID_URL_VALUES], at.warning, strict=True
    ):
        assert f.metadata["label"] in warning.value and WHY[f.name] in warning.value
        assert "left at its default" in warning.value
    widgets = sidebar_widgets(at)
    for f in config_lib.fields():
        assert widgets[f.name].value == f.default, f.name
        assert f.name not in at.query_params  # removed from the URL
    table = at.dataframe[0].value  # and the page used the defaults
    assert list(table["value"]) == [str(v) for v in Config().to_dict().values()]


def test_infinite_url_numbers_are_ignored_not_a_traceback():
    """Streamlit 1.67's number_input raises OverflowError seeding from seed=1e400."""
    at = page_app("model", seed="1e400", max_len="-inf", eval_every="9" * 400, lr="1e400").run()
    no_crash(at)
    widgets = sidebar_widgets(at)
    for name in ("seed", "max_len", "eval_every", "lr"):
        assert widgets[name].value == getattr(Config(), name) and name not in at.query_params
    at = page_app("model", seed="1e400", hidden_size="12").run()
    assert sidebar_widgets(at)["hidden_size"].value == 12  # the readable ones still apply


def test_a_warning_is_said_once_and_a_good_link_gets_none():
    at = page_app("model", arch="transformer", hidden_size="4").run()
    assert [w.value.split("=")[0] for w in at.warning] == ["The link's arch"]
    assert sidebar_widgets(at)["hidden_size"].value == 4  # the usable value is used
    at.run()
    assert not at.warning  # the widgets dropped the value from the address: said once
    good = page_app("model", arch="gru", hidden_size="16", lr="0.02", clip="0", seed="7").run()
    no_crash(good)
    assert not good.warning


def test_off_grid_rates_and_misspelt_settings_are_named():
    at = page_app("model", lr="0.03", hiden_size="4", exp_steps="300", runs_="x").run()
    no_crash(at)
    texts = [w.value for w in at.warning]
    assert len(texts) == 2, texts
    assert texts[0].startswith("The link's lr=0\\.03 (“Learning rate”) was not used: this slider")
    assert "1e-05, 2e-05, 5e-05, …, 1" in texts[0] and "default (0.05)" in texts[0]
    assert "hiden\\_size is not a setting" in texts[1] and "did you mean hidden_size?" in texts[1]
    assert sidebar_widgets(at)["lr"].value == pytest.approx(0.05)
    assert sidebar_widgets(at)["hidden_size"].value == Config().hidden_size


def test_a_default_value_in_the_url_is_dropped_from_it():
    at = page_app("model", hidden_size=str(Config().hidden_size), arch="gru").run()
    assert "hidden_size" not in at.query_params and at.query_params["arch"] == "gru"


def test_a_changed_widget_reaches_the_page():
    # The browser writes the URL on interaction; AppTest has no browser (browser tests do).
    at = page_app("model").run()
    sidebar_widgets(at)["hidden_size"].set_value(12)
    sidebar_widgets(at)["lr"].set_value(0.2)
    at.run()
    no_crash(at)
    shown = dict(zip(at.dataframe[0].value["setting"], at.dataframe[0].value["value"], strict=True))
    assert shown["Hidden size"] == "12" and shown["Learning rate"] == "0.2"


def test_inconsistent_lengths_give_an_error_not_a_traceback(train_calls):
    at = page_app("train", min_len="30", max_len="20").run()
    no_crash(at)
    assert len(at.error) == 1
    message = at.error[0].value
    assert "min_len must be <= max_len" in message
    assert "Shortest training string" in message and "Longest training string" in message
    assert not charts(at) and not metrics(at) and not train_calls


def test_reset_to_defaults_restores_every_field():
    at = page_app(
        "model", arch="rnn", hidden_size="5", test_min_len="200", test_max_len="100"
    ).run()
    assert at.error  # test lengths 200 > 100
    next(b for b in at.sidebar.button if b.label == "Reset to defaults").click().run()
    no_crash(at)
    assert not at.error
    assert {k: w.value for k, w in sidebar_widgets(at).items()} == Config().to_dict()


def test_log_options_are_a_1_2_5_grid_with_the_default():
    options = sidebar.log_options(1e-5, 1.0, 0.03)
    assert options[0] == 1e-5 and options[-1] == 1.0 and 0.03 in options
    assert options == sorted(options) and len(options) == len(set(options))
    assert {0.1, 0.2, 0.5, 0.05} <= set(options)


def test_widget_kinds_follow_the_metadata():
    kinds = {f.name: sidebar.widget_kind(f) for f in config_lib.fields()}
    assert kinds["arch"] == "select" and kinds["lr"] == "log"
    assert kinds["hidden_size"] == "slider" and kinds["steps"] == "number"
    assert kinds["clip"] == "number"


# --- the app's limits ------------------------------------------------------------------


def test_widgets_offer_the_apps_range_and_say_what_the_cli_allows():
    at = entry_app().run()
    widgets = sidebar_widgets(at)
    for f in config_lib.fields():
        if ranges.app_hi(f) is None or widgets[f.name].type == "selectbox":
            continue
        assert widgets[f.name].max == ranges.app_hi(f) < f.metadata["hi"], f.name
        assert f"allows up to {f.metadata['hi']:,}" in widgets[f.name].help


def test_the_issue_link_is_refused_with_warnings_not_trained_at_7_gb(train_calls):
    """/?hidden_size=256&batch_size=4096&min_len=100&max_len=100&steps=1 (issue 9)."""
    query = dict(hidden_size="256", batch_size="4096", min_len="100", max_len="100", steps="1")
    at = page_app("train", **query).run()
    no_crash(at)
    warnings = [w.value for w in at.warning if "The link asks for" in w.value]
    assert len(warnings) == 2  # (the one-step model's verdict is a warning of its own)
    for name, text in zip(("hidden_size", "batch_size"), warnings, strict=True):
        f = next(f for f in config_lib.fields() if f.name == name)
        assert f"{name}={query[name]}" in text and f.metadata["label"] in text
        assert f"limit of {ranges.app_hi(f):,}" in text
    assert len(train_calls) == 1  # what was trained is within the app's limits
    trained = train_calls[0]
    assert (trained.hidden_size, trained.batch_size) == (Config().hidden_size, Config().batch_size)
    assert (trained.max_len, trained.steps) == (100, 1)
    assert costs.estimate(trained).bytes <= ranges.APP_BYTES


OVER_BUDGET = dict(hidden_size="64", batch_size="1024", min_len="200", max_len="200")


def test_a_combination_over_the_memory_budget_is_refused_with_what_to_lower(train_calls):
    config = Config(hidden_size=64, batch_size=1024, min_len=200, max_len=200)
    assert not ranges.over_app_range(config)  # every field is within its own limit
    for page in ("train", "inside", "lengths", "model"):
        at = page_app(page, **OVER_BUDGET).run()
        no_crash(at)
        assert len(at.error) == 1, page
        message = at.error[0].value
        needed = costs.estimate(config).bytes / costs.MB
        assert f"about {needed:,.0f} MB of memory" in message
        assert f"{ranges.APP_BYTES / costs.MB:,.0f} MB" in message
        for label in ("Batch size", "Longest training string", "Hidden size"):
            assert label in message
        assert "python -m parity train --hidden-size 64 --batch-size 1024" in message
    assert not train_calls


def test_a_combination_over_the_time_budget_is_refused(train_calls):
    at = page_app("train", steps="20000", hidden_size="64", stop="budget", eval_every="1").run()
    no_crash(at)
    assert len(at.error) == 1 and "minutes to train" in at.error[0].value
    assert "“Training steps”" in at.error[0].value and "“Evaluate every”" in at.error[0].value
    assert not train_calls


@pytest.mark.parametrize("arch", ["gru", "rnn"])
def test_switching_the_architecture_moves_to_its_defaults_with_a_note(arch):
    at = page_app("model").run()
    sidebar_widgets(at)["arch"].set_value(arch).run()
    no_crash(at)
    values = {k: w.value for k, w in sidebar_widgets(at).items()}
    assert values == config_lib.arch_defaults(arch)
    note = next(i.value for i in at.sidebar.info if "defaults:" in i.value)
    assert note.startswith(f"{arch.upper()} defaults:") and config_lib.WHY[arch] in note
    sidebar_widgets(at)["arch"].set_value("lstm").run()  # and back again
    assert {k: w.value for k, w in sidebar_widgets(at).items()} == Config().to_dict()


def test_a_field_the_visitor_changed_stays_when_the_architecture_switches():
    at = page_app("model").run()
    sidebar_widgets(at)["seed"].set_value(7)
    sidebar_widgets(at)["arch"].set_value("gru").run()
    values = {k: w.value for k, w in sidebar_widgets(at).items()}
    assert values == config_lib.arch_defaults("gru") | {"seed": 7}


def test_a_link_from_before_per_arch_defaults_opens_the_same_run():
    """`?arch=gru` alone was written when every architecture had the shared defaults: it still
    means those, and the page trains exactly that config."""
    at = page_app("model", arch="gru").run()
    no_crash(at)
    values = {k: w.value for k, w in sidebar_widgets(at).items()}
    assert values == config_lib.SHARED_DEFAULTS | {"arch": "gru"}
    assert not [i for i in at.sidebar.info if "defaults:" in i.value]


def test_arch_switch_changes_keep_what_the_visitor_set():
    values = config_lib.arch_defaults("lstm") | {"seed": 4}
    moved = sidebar.arch_switch_changes(values, "lstm", "gru")
    assert set(moved) == set(config_lib.ARCH_CHANGES["gru"])
    name = next(iter(moved))
    kept = sidebar.arch_switch_changes(values | {name: -1.5}, "lstm", "gru")
    assert name not in kept
    assert sidebar.arch_note("lstm", {}) is None


def test_the_cli_command_names_what_differs_from_the_archs_defaults():
    assert sidebar.cli_command(Config(arch="gru")) == "python -m parity train --arch gru"
    old = Config.from_dict({"arch": "gru"})  # a link from before: the shared values
    command = sidebar.cli_command(old)
    for name in config_lib.ARCH_CHANGES["gru"]:
        assert f"--{name.replace('_', '-')}" in command


def test_an_address_behind_its_widgets_is_written_anew():
    """The browser may send the address of a slider's step before (a page switch right after
    the last step): the app writes the widgets' values back, so a copied link opens what the
    sidebar shows; settings back at their default leave the address."""
    at = page_app("inside", arch="rnn", hidden_size="10").run()
    at.sidebar.slider(key="hidden_size").set_value(12).run()
    at.query_params["hidden_size"] = "9"  # the stale address the browser sent with this run
    at.query_params["lr"] = "0.05"  # the default, yet named: harmless, but not what it says
    at.run()
    no_crash(at)
    assert sidebar_widgets(at)["hidden_size"].value == 12
    address = {k: v[-1] if isinstance(v, list) else v for k, v in at.query_params.items()}
    assert address["hidden_size"] == "12" and address["arch"] == "rnn"
    assert "lr" not in address
    at.sidebar.number_input(key="seed").set_value(1_234_567).run()
    at.query_params["seed"] = "1234560"  # a large number is written back whole
    at.run()
    assert at.query_params["seed"] in ("1234567", ["1234567"])
    at.sidebar.select_slider(key="lr").set_value(0.02).run()
    at.query_params["lr"] = "0.020"  # the same value written otherwise: left as it is
    at.run()
    assert sidebar_widgets(at)["lr"].value == pytest.approx(0.02)
    assert at.query_params["lr"] in ("0.020", ["0.020"])
