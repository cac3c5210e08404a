"""The lab's pages against Streamlit's own floor, side by side (numbers to report, not assertions).

Two servers of the same Streamlit run at once: the lab (streamlit_app.py) and a minimal page
(bench/floor_page.py: title, sidebar slider, four metrics, two altair charts). Headless Chromium
measures, interleaved lab / floor:
- a fresh visitor: a new browser context opening `/` until the metrics, both charts drawn and a
  finished script run; a returning visitor: the same context opening `/` again;
- a slider move (one key press on the sidebar's "Hidden size") until the rerun it starts has
  finished: to a configuration already trained, to a new one of the default size, and on the
  floor page its own slider rerun;
- the fresh visitor again while the pool is full: `--visitors` visitors with new configurations,
  loaded by a second Chromium at the lowest priority (nice 19), so the time is the server's;
- the first visitor after a cold start (process start, health, then `/`), lab and floor.

Run from the repo root: nice python bench/app_floor.py [--rounds 5] [--out bench/APP_FLOOR.md]
`--lab-root DIR` serves another checkout of the lab (the "before").
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_load import ARGS, CHROMIUM, free_port, health  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FLOOR = str(ROOT / "bench" / "floor_page.py")
FLOOR_SIDEBAR = str(ROOT / "bench" / "floor_sidebar_page.py")  # the floor with the lab's sidebar
METRIC = "[data-testid='stMetric']"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
READY = """() => document.querySelectorAll("[data-testid='stMetric']").length >= 4 &&
  [...document.querySelectorAll("[data-testid='stVegaLiteChart']")]
    .filter(c => c.querySelector("canvas, svg.marks")).length >= 2"""
LOAD_STEPS = 8000  # a loading visitor's budget: long enough to keep both workers busy
SLIDER = "Hidden size"


class Server:
    """A `streamlit run SCRIPT` on a free port, from `root`; started at construction."""

    def __init__(self, script: str, root: Path = ROOT, profile: Path | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        sampler = [str(ROOT / "bench" / "server_sampler.py"), str(profile)] if profile else []
        cmd = [sys.executable, *sampler, "-m", "streamlit", "run", script]
        cmd += ["--server.headless", "true"]
        cmd += ["--server.port", str(self.port), "--server.address", "127.0.0.1"]
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            cmd, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.healthy = self._wait_healthy() - self.started

    def _wait_healthy(self) -> float:
        for _ in range(1200):
            try:
                health(self.base)
                return time.monotonic()
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def visit(context, base: str) -> float:
    """Open `/` in `context` until metrics, both charts and a finished script run."""
    page = context.new_page()
    started = time.monotonic()
    page.goto(f"{base}/")
    page.wait_for_function(READY, timeout=300_000, polling=20)
    page.wait_for_selector(IDLE, timeout=300_000)
    seconds = time.monotonic() - started
    page.close()
    return seconds


def fresh(browser, base: str) -> float:
    """A new visitor: a new browser context (no cached assets, a new session)."""
    context = browser.new_context()
    try:
        return visit(context, base)
    finally:
        context.close()


def returning(context, base: str) -> float:
    """A returning visitor: the same context (its cached assets) opening `/` again."""
    return visit(context, base)


def count_runs(page) -> list[int]:
    """Script runs finished on `page`, counted from the server's ScriptFinished messages (a
    run of a few ms never renders the DOM's "running" state)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    runs = [0]

    def on_frame(payload) -> None:
        if isinstance(payload, bytes):
            msg = ForwardMsg()
            msg.ParseFromString(payload)
            if msg.WhichOneof("type") == "script_finished":
                runs[0] += 1

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
    return runs


def press(page, runs: list[int], key: str) -> float:
    """One key press on the sidebar's slider until the rerun it starts has finished."""
    thumb = page.locator("[data-testid='stSidebar'] [data-testid='stSlider']").filter(
        has_text=SLIDER
    )
    thumb.get_by_role("slider").focus()
    before = runs[0]
    started = time.monotonic()
    page.keyboard.press(key)
    while runs[0] <= before:
        page.wait_for_timeout(5)
        if time.monotonic() - started > 300:
            raise TimeoutError("no script run finished after the key press")
    return time.monotonic() - started


def slider_round(browser, lab: str, floor: str, seed: int) -> dict:
    """Lab: ?seed=S trains at hidden 8, then Right (new: hidden 9), Left and Right (trained);
    floor: Right, Left, Right."""
    context = browser.new_context()
    try:
        page = context.new_page()
        runs = count_runs(page)
        page.goto(f"{lab}/?{urlencode({'seed': seed})}")
        page.wait_for_function(READY, timeout=300_000)
        page.wait_for_selector(IDLE)
        new = press(page, runs, "ArrowRight")
        trained = [press(page, runs, "ArrowLeft"), press(page, runs, "ArrowRight")]
        floor_page = context.new_page()
        floor_runs_seen = count_runs(floor_page)
        floor_page.goto(f"{floor}/")
        floor_page.wait_for_function(READY, timeout=300_000)
        floor_page.wait_for_selector(IDLE)
        keys = ("ArrowRight", "ArrowLeft", "ArrowRight")
        floor_runs = [press(floor_page, floor_runs_seen, key) for key in keys]
    finally:
        context.close()
    return {"new": [new], "trained": trained, "floor": floor_runs}


def hold(base: str, seed0: int, visitors: int, status: str) -> None:
    """(The loader process, under nice 19.) Open `visitors` pages with new configurations."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        pages = [browser.new_page() for _ in range(visitors)]
        started = time.monotonic()
        for i, page in enumerate(pages):
            params = {"stop": "budget", "steps": LOAD_STEPS, "eval_every": 50, "seed": seed0 + i}
            page.goto(f"{base}/?{urlencode(params)}", wait_until="commit")
        for page in pages:
            page.wait_for_selector("[data-testid='stProgress']", timeout=300_000)
        print(f"ready {time.monotonic() - started:.1f}", flush=True)
        while True:  # how many have their result, for the measuring process to read
            shown = sum(page.locator(METRIC).count() > 0 for page in pages)
            Path(status).write_text(str(shown))
            time.sleep(0.5)


def loaded_round(browser, lab: str, floor: str, seed0: int, visitors: int, pairs: int) -> dict:
    """Fresh visitors (lab, floor interleaved) while `visitors` new configurations wait."""
    cmd = ["nice", "-n", "19", sys.executable, __file__, "--hold", lab]
    status = Path(tempfile.mkdtemp()) / "shown"
    cmd += ["--seed0", str(seed0), "--visitors", str(visitors), "--status", str(status)]
    loader = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        started = time.monotonic()
        assert loader.stdout.readline().startswith("ready")
        ready = time.monotonic() - started
        out = {"lab": [], "floor": [], "health": []}
        for _ in range(pairs):
            out["health"].append(health(lab))
            out["lab"].append(fresh(browser, lab))
            out["floor"].append(fresh(browser, floor))
        out["window"] = (ready, time.monotonic() - started)
        out["shown"] = int(status.read_text()) if status.exists() else 0  # results so far
        return out
    finally:
        os.killpg(loader.pid, signal.SIGTERM)
        loader.wait(timeout=30)


def cold(browser, script: str, root: Path) -> tuple[float, float, float]:
    """Start a server, wait for its health check, open `/` at once: (healthy, visit, total)."""
    server = Server(script, root)
    try:
        seconds = fresh(browser, server.base)
        return server.healthy, seconds, time.monotonic() - server.started
    finally:
        server.stop()


def log(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


def median(values: list[float]) -> float:
    return statistics.median(values)


def line(what: str, lab: list[float], floor: list[float] | None, target: str = "") -> str:
    """A table row: medians, ranges and the ratio lab / floor."""
    cells = [what, f"{median(lab):.2f} s ({min(lab):.2f}-{max(lab):.2f}, n={len(lab)})"]
    if floor:
        cells += [
            f"{median(floor):.2f} s ({min(floor):.2f}-{max(floor):.2f}, n={len(floor)})",
            f"{median(lab) / median(floor):.2f}x",
        ]
    else:
        cells += ["-", "-"]
    return "| " + " | ".join([*cells, target]) + " |"


def measure(args) -> list[str]:
    from playwright.sync_api import sync_playwright

    load_before = os.getloadavg()
    rows = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        colds = {"lab": [], "floor": []}
        for _ in range(args.cold):
            colds["lab"].append(cold(browser, "streamlit_app.py", args.lab_root))
            colds["floor"].append(cold(browser, FLOOR, ROOT))
            log(
                "cold start (healthy, visit, total): lab",
                colds["lab"][-1],
                "floor",
                colds["floor"][-1],
            )
        lab, floor = Server("streamlit_app.py", args.lab_root), Server(FLOOR)
        widgets = Server(FLOOR_SIDEBAR)
        try:
            fresh(browser, lab.base), fresh(browser, floor.base)  # the default is trained
            fresh(browser, widgets.base)
            idle = {"lab": [], "floor": [], "widgets": []}
            back = {"lab": [], "floor": []}
            contexts = {side: browser.new_context() for side in ("lab", "floor")}
            for side, server in (("lab", lab), ("floor", floor)):
                returning(contexts[side], server.base)
            for _ in range(args.rounds):
                for side, server in (("lab", lab), ("floor", floor)):
                    idle[side].append(fresh(browser, server.base))
                    back[side].append(returning(contexts[side], server.base))
                idle["widgets"].append(fresh(browser, widgets.base))
                log("fresh", idle, "returning", back)
            sliders = []
            for r in range(args.rounds):
                sliders.append(slider_round(browser, lab.base, floor.base, 700 + r))
                log("slider", sliders[-1])
            loads = []
            for r in range(args.load_rounds):
                loads.append(
                    loaded_round(browser, lab.base, floor.base, 5000 + 100 * r, args.visitors, 2)
                )
                log("loaded", loads[-1])
        finally:
            lab.stop()
            floor.stop()
            widgets.stop()
            browser.close()
    cached = median(idle["lab"])
    rows.append(
        line("fresh visitor, cached default page, idle", idle["lab"], idle["floor"], "<= 1.2x")
    )
    rows.append(
        line(
            "fresh visitor, idle: the floor page with the lab's sidebar",
            idle["widgets"],
            idle["floor"],
        )
    )
    rows.append(
        line(
            "fresh visitor, idle: the lab against the floor page with the lab's sidebar",
            idle["lab"],
            idle["widgets"],
        )
    )
    rows.append(line("returning visitor (same browser context), idle", back["lab"], back["floor"]))
    rows.append(
        line(
            f"fresh visitor while {args.visitors} visitors' new configurations wait (pool full)",
            [x for r in loads for x in r["lab"]],
            [x for r in loads for x in r["floor"]],
            "<= 1.5x",
        )
    )
    rows.append(
        line(
            "slider to a trained configuration / the floor's slider rerun",
            [x for s in sliders for x in s["trained"]],
            [x for s in sliders for x in s["floor"]],
            "<= 1.3x",
        )
    )
    rows.append(
        line(
            "slider to a new default-size configuration (trains) / the floor's rerun",
            [x for s in sliders for x in s["new"]],
            [x for s in sliders for x in s["floor"]],
            "<= 3x",
        )
    )
    rows.append(
        line(
            "first visitor after a cold start (health to page done)",
            [c[1] for c in colds["lab"]],
            [c[1] for c in colds["floor"]],
            f"<= cached page + 1 s = {cached + 1:.2f} s",
        )
    )
    rows.append(
        line(
            "cold start: process start to healthy",
            [c[0] for c in colds["lab"]],
            [c[0] for c in colds["floor"]],
        )
    )
    rows.append(
        line(
            "cold start: process start to the first visitor's page done",
            [c[2] for c in colds["lab"]],
            [c[2] for c in colds["floor"]],
        )
    )
    health_load = [x for r in loads for x in r["health"]]
    notes = [
        f"load average before {load_before[0]:.1f}, after {os.getloadavg()[0]:.1f}; "
        "lab served from "
        + ("this checkout" if args.lab_root.resolve() == ROOT.resolve() else "another checkout"),
        f"health check during the load: median {median(health_load):.3f} s, "
        f"max {max(health_load):.3f} s",
        f"load windows (all {args.visitors} loading visitors waiting - measurements done, "
        "seconds after the load began) and how many of them had their result by the end: "
        + "; ".join(f"{r['window'][0]:.1f}-{r['window'][1]:.1f}, {r['shown']}" for r in loads),
    ]
    return rows, notes


def profile_run(args) -> None:
    """The lab under bench/server_sampler.py: idle fresh visitors, then one loaded round."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        lab, floor = Server("streamlit_app.py", args.lab_root, args.profile), Server(FLOOR)
        try:
            idle = [fresh(browser, lab.base) for _ in range(3)]
            load = loaded_round(browser, lab.base, floor.base, 8000, args.visitors, 2)
        finally:
            lab.stop()
            floor.stop()
            browser.close()
    log("idle", idle, "loaded", load)
    print(args.profile.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--load-rounds", type=int, default=2)
    parser.add_argument("--visitors", type=int, default=8)
    parser.add_argument("--cold", type=int, default=3)
    parser.add_argument("--lab-root", type=Path, default=ROOT)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--profile", type=Path, help="sample the lab server's threads into FILE")
    parser.add_argument("--hold", help=argparse.SUPPRESS)
    parser.add_argument("--seed0", type=int, default=5000, help=argparse.SUPPRESS)
    parser.add_argument("--status", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.hold:
        hold(args.hold, args.seed0, args.visitors, args.status)
        return
    if args.profile:
        profile_run(args)
        return
    rows, notes = measure(args)
    text = "\n".join(
        [
            "| what | lab | floor (minimal page) | ratio | target |",
            "| --- | --- | --- | --- | --- |",
            *rows,
            "",
            *(f"- {n}" for n in notes),
            "",
        ]
    )
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
