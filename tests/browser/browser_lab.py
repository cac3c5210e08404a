"""Drives the app in a browser page: waits for reruns, reads and sets widgets, screenshots."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from parity.core.config import coerce, fields

ROOT = Path(__file__).resolve().parents[2]
KEPT_PARAMS = ("history", "overlay")  # ui.kept_runs.PARAM and OVERLAY
ARTIFACTS = ROOT / "test-artifacts"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
CONNECTED = "[data-testid='stApp'][data-test-connection-state='CONNECTED']"
TIMEOUT_MS = 60_000  # one interaction, training included, must finish within this
SETTLE_MS = 300  # the app must stay idle this long before a step counts as finished

# Remembers every element test id that was ever added, however briefly it was shown.
WATCH_JS = """
window.__stSeen = new Set();
new MutationObserver(records => {
  for (const r of records) {
    for (const node of r.addedNodes) {
      if (node.nodeType !== 1) continue;
      for (const el of [node, ...node.querySelectorAll("[data-testid]")])
        if (el.dataset.testid) window.__stSeen.add(el.dataset.testid);
    }
  }
}).observe(document, {subtree: true, childList: true});
"""

# True once lazily loaded elements have replaced their skeletons and every chart has drawn.
RENDERED_JS = """() =>
  !document.querySelector("[data-testid^='stSkeleton'], [data-testid='stAppSkeleton']") &&
  [...document.querySelectorAll("[data-testid='stVegaLiteChart']")]
    .every(chart => chart.querySelector("canvas, svg.marks"))
"""

# Reads any input widget's value: slider text, combobox/number/text input value, checked radio.
READ_WIDGET_JS = """root => {
  const range = root.querySelector("input[type=range]");
  if (range) return range.getAttribute("aria-valuetext");
  const checked = root.querySelector("input[type=radio]:checked");
  if (checked) return checked.closest("label").innerText.trim();
  const box = root.querySelector("input[type=checkbox]");
  if (box) return String(box.checked);
  const input = root.querySelector("input, textarea");
  if (input) return input.value;
  throw new Error("no input in widget " + root.getAttribute("data-testid"));
}"""


# Script runs finished per page, counted from the server's own ScriptFinished messages. (The
# DOM's data-test-script-state is no signal: a run of a few ms never renders "running".)
_RUNS: dict[object, list[int]] = {}


def _count_script_runs(page) -> None:
    """Count every ForwardMsg `script_finished` that reaches `page` over its websockets."""
    runs = _RUNS.setdefault(page, [0])

    def on_frame(payload) -> None:
        if isinstance(payload, bytes):
            msg = ForwardMsg()
            msg.ParseFromString(payload)
            if msg.WhichOneof("type") == "script_finished":
                runs[0] += 1

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))


def new_page(browser):
    """A page in a fresh browser context (own cookies, storage, app session)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.add_init_script(WATCH_JS)
    page = ctx.new_page()
    _count_script_runs(page)
    return page


def runs_done(page) -> int:
    """How many script runs this page has seen finish (a round trip first delivers events)."""
    page.evaluate("0")
    return _RUNS[page][0]


def wait_idle(page, runs_before: int | None = None, settle_ms: int = SETTLE_MS) -> None:
    """Wait until a run finished after `runs_before` (if given) and the app stays idle settle_ms."""
    page.wait_for_selector(CONNECTED, state="attached")
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while runs_before is not None and runs_done(page) <= runs_before:
        if time.monotonic() > deadline:
            raise AssertionError(f"no script run finished within {TIMEOUT_MS} ms")
        page.wait_for_timeout(20)  # lets the websocket events in
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        page.wait_for_selector(IDLE, state="attached")
        seen = runs_done(page)
        page.wait_for_timeout(settle_ms)
        if page.locator(IDLE).count() == 1 and runs_done(page) == seen:
            page.wait_for_function(RENDERED_JS)
            return
    raise AssertionError(f"the app did not settle within {TIMEOUT_MS} ms")


def assert_no_exception(page) -> None:
    """Fail when the app shows a Python exception (st.exception / uncaught traceback)."""
    exceptions = page.locator("[data-testid='stException']")
    if exceptions.count():
        pytest.fail("the app shows an exception:\n" + exceptions.first.inner_text()[:2000])


def _slug(text: str) -> str:
    """A file-name-safe version of a test id or step name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:120]


class Lab:
    """Drives one page of the app: open with URL params, wait, navigate, screenshot, check."""

    def __init__(self, page, base_url: str, name: str):
        self.page, self.base_url = page, base_url
        self.shots = ARTIFACTS / _slug(name)
        shutil.rmtree(self.shots, ignore_errors=True)  # no stale screenshots from earlier runs
        self.step = 0

    def url(self, path: str = "", **params) -> str:
        """The app URL for a page path and query parameters."""
        query = f"?{urlencode(params)}" if params else ""
        return f"{self.base_url}/{path}{query}"

    def open(self, path: str = "", **params) -> None:
        """Load a page of the app (with URL params) and wait until it has run."""
        self.goto(self.url(path, **params))

    def goto(self, url: str) -> None:
        """Load any URL of the app and wait until its first script run has finished."""
        self.page.goto(url)
        self.idle(runs_before=0)

    def act(self, action) -> None:
        """Do something that reruns the script (click, Enter, ...), wait for that rerun to end."""
        before = runs_done(self.page)
        action()
        self.idle(runs_before=before)

    def idle(self, runs_before: int | None = None) -> None:
        """wait_idle, then fail on any exception box."""
        wait_idle(self.page, runs_before)
        assert_no_exception(self.page)

    def shot(self, step: str) -> Path:
        """Save a screenshot of the current viewport to test-artifacts/<test>/<NN>-<step>.png."""
        self.step += 1
        self.shots.mkdir(parents=True, exist_ok=True)
        path = self.shots / f"{self.step:02d}-{_slug(step)}.png"
        self.page.screenshot(path=path)
        return path

    def nav(self, title: str) -> None:
        """Click a sidebar navigation link by its exact title and wait for the page to run."""
        text = self.page.locator("[data-testid='stMarkdownContainer']").filter(
            has_text=re.compile(rf"^\s*{re.escape(title)}\s*$")
        )
        link = self.page.locator("[data-testid='stSidebarNavLink']").filter(has=text)
        self.act(link.click)

    def ever_shown(self, test_id: str) -> bool:
        """Whether an element with this data-testid was ever added to the page, even briefly."""
        return self.page.evaluate("id => window.__stSeen.has(id)", test_id)

    def query(self) -> dict[str, str]:
        """The current URL's query parameters (last value wins), without the visitor's kept run
        history (ui.kept_runs: see kept())."""
        return {k: v for k, v in self.all_query().items() if k not in KEPT_PARAMS}

    def kept(self) -> dict[str, str]:
        """The URL's kept run history: its `history` and `overlay` parameters."""
        return {k: v for k, v in self.all_query().items() if k in KEPT_PARAMS}

    def all_query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.page.url).query))

    def widget(self, label: str):
        """The sidebar widget (its stSelectbox/stSlider/... root) whose label is exactly `label`."""
        label_el = self.page.locator("[data-testid='stSidebar'] [data-testid='stWidgetLabel']")
        exact = label_el.filter(has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
        return exact.locator("xpath=..")

    def value(self, label: str) -> str:
        """A sidebar widget's current value as the browser shows it (text)."""
        return self.widget(label).evaluate(READ_WIDGET_JS)

    def set_value(self, label: str, value) -> None:
        """Set a sidebar widget the way a person would, then wait for the rerun to finish."""
        root, value = self.widget(label), str(value)
        kind = root.get_attribute("data-testid")
        if kind == "stSelectbox":
            root.get_by_role("combobox").click()
            self.act(self.page.get_by_role("option", name=value, exact=True).click)
        elif kind == "stRadio":
            self.act(root.get_by_text(value, exact=True).click)
        elif kind in ("stNumberInput", "stTextInput"):
            root.locator("input").fill(value)
            self.act(lambda: root.locator("input").press("Enter"))
        elif kind == "stSlider":
            self.act(lambda: self._slide(root.get_by_role("slider"), value))
        else:
            raise AssertionError(f"no setter for widget {label!r} ({kind})")
        assert self.value(label) == value, f"{label} shows {self.value(label)!r}, not {value!r}"

    def _slide(self, thumb, value: str, max_presses: int = 300) -> None:
        """Move a slider thumb with arrow keys until it shows `value`."""
        thumb.focus()
        for _ in range(max_presses):
            now = thumb.get_attribute("aria-valuetext")
            if now == value:
                return
            lower = float(value) < float(now)
            self.page.keyboard.press("ArrowLeft" if lower else "ArrowRight")
        raise AssertionError(f"slider never reached {value}")

    def sidebar_config(self) -> dict:
        """Every Config field as the sidebar shows it, coerced to the field's type."""
        return {f.name: coerce(f, self.value(f.metadata["label"])) for f in fields()}

    def charts(self):
        """All altair/vega-lite charts in the main area."""
        return self.page.locator("[data-testid='stMain'] [data-testid='stVegaLiteChart']")

    def alerts(self):
        """st.error / st.warning / st.info boxes in the main area."""
        return self.page.locator("[data-testid='stMain'] [data-testid='stAlert']")

    def errors(self):
        """st.error boxes in the main area."""
        return self.page.locator("[data-testid='stMain'] [data-testid='stAlertContentError']")

    def metric(self, label: str) -> str:
        """The value shown by the st.metric with this exact label."""
        label_re = re.compile(rf"^\s*{re.escape(label)}\s*$")
        box = self.page.locator("[data-testid='stMetric']").filter(
            has=self.page.locator("[data-testid='stMetricLabel']", has_text=label_re)
        )
        return box.locator("[data-testid='stMetricValue']").inner_text().strip()
