"""Many visitors at once: a real `streamlit run`, headless Chromium, the training pool under load.

Measures (numbers to report, not assertions):
- sessions held: 6 visitors with new configurations + 2 on one shared new configuration, at once;
- while they train: /_stcore/health round trips, and a 7th visitor's load of the cached
  default page until its metrics and charts show;
- how long each of the 6 waited for its result, and that the pool trained the shared one once;
- peak memory (PSS, so pages the workers share with their forkserver count once) of the
  server and of its worker processes;
- the server's memory after 100 distinct small configurations trained through the app.

Run from the repo root: nice python bench/app_load.py [--rounds 3] [--configs 100]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
METRIC = "[data-testid='stMetric']"
CHARTS_DRAWN = """() => [...document.querySelectorAll("[data-testid='stVegaLiteChart']")]
  .filter(c => c.querySelector("canvas, svg.marks")).length >= 2"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py"]
    cmd += ["--server.headless", "true", "--server.port", str(port)]
    cmd += ["--server.address", "127.0.0.1", "--server.fileWatcherType", "none"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            health(f"http://127.0.0.1:{port}")
            return proc
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def health(url: str) -> float:
    started = time.monotonic()
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=60) as resp:
        resp.read()
    return time.monotonic() - started


def tree(pid: int) -> list[int]:
    """pid and every process below it."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rsplit(") ", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    found, frontier = [pid], [pid]
    while frontier:
        frontier = [p for p, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def pss_mb(pid: int) -> float:
    """Proportional set size: shared pages split between the processes that share them."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class MemoryPeaks(threading.Thread):
    """Samples the server's and its children's PSS every 0.25 s; keeps the peaks."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.server, self.children, self.total, self.running = pid, 0.0, 0.0, 0.0, True

    def run(self) -> None:
        while self.running:
            pids = tree(self.pid)
            server = pss_mb(self.pid)
            children = sum(pss_mb(p) for p in pids[1:])
            self.server = max(self.server, server)
            self.children = max(self.children, children)
            self.total = max(self.total, server + children)
            time.sleep(0.25)


def url(base: str, **params) -> str:
    return f"{base}/?{urlencode(params)}" if params else f"{base}/"


def cached_page(browser, base: str) -> float:
    """A new visitor's load of the cached default page until metrics and both charts show."""
    page = browser.new_page()
    started = time.monotonic()
    page.goto(url(base))
    page.wait_for_selector(METRIC, timeout=300_000)
    page.wait_for_function(CHARTS_DRAWN, timeout=300_000)
    seconds = time.monotonic() - started
    page.context.close()
    return seconds


def load_round(browser, base: str, seed0: int) -> dict:
    """6 new configurations + 2 visitors on a 7th, at once; 7th-visitor and health timings."""
    configs = [
        {"stop": "budget", "steps": 800, "eval_every": 50, "seed": seed0 + i} for i in range(6)
    ]
    shared = {"stop": "budget", "steps": 600, "eval_every": 50, "seed": seed0 + 99}
    pages = [browser.new_page() for _ in range(8)]
    started = time.monotonic()
    for page, params in zip(pages, [*configs, shared, shared], strict=True):
        page.goto(url(base, **params), wait_until="commit")
    healths, loads = [], []
    for _ in range(5):
        healths += [health(base) for _ in range(3)]
        loads.append(cached_page(browser, base))
    waits = []
    for page in pages:
        page.wait_for_selector(METRIC, timeout=600_000)
        waits.append(time.monotonic() - started)
    same = [p.locator(METRIC).filter(has_text="Training time").inner_text() for p in pages[6:]]
    for page in pages:
        page.context.close()
    return {"health": healths, "cached": loads, "waits": waits, "shared_once": same[0] == same[1]}


def after_configs(browser, base: str, count: int, seed0: int) -> None:
    """Train `count` distinct small configurations through the app, one visitor after another."""
    page = browser.new_page()
    for i in range(count):
        page.goto(url(base, stop="budget", steps=20, eval_every=10, seed=seed0 + i))
        page.wait_for_selector(METRIC, timeout=300_000)
    page.context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--configs", type=int, default=100)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    port = free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    peaks = MemoryPeaks(server.pid)
    peaks.start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            cached_page(browser, base)  # train and cache the default configuration
            idle = pss_mb(server.pid)
            quiet = [cached_page(browser, base) for _ in range(5)]  # the same, with no load
            quiet_health = [health(base) for _ in range(15)]
            rounds = [load_round(browser, base, 5000 + 100 * r) for r in range(args.rounds)]
            before = pss_mb(server.pid)
            started = time.monotonic()
            after_configs(browser, base, args.configs, 9000)
            per_config = (time.monotonic() - started) / args.configs
            after = pss_mb(server.pid)
            browser.close()
    finally:
        peaks.running = False
        server.terminate()
        server.wait(timeout=30)
    report(rounds, quiet, quiet_health, idle, before, after, per_config, peaks, args.configs)


def row(what: str, values: list[float], digits: int = 2) -> str:
    return f"| {what} (n={len(values)}) | {statistics.median(values):.{digits}f} s | " + (
        f"{max(values):.{digits}f} s |"
    )


def report(rounds, quiet, quiet_health, idle, before, after, per_config, peaks, configs):
    health = [h for r in rounds for h in r["health"]]
    cached = [c for r in rounds for c in r["cached"]]
    waits = [max(r["waits"][:6]) for r in rounds]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"rounds: {len(rounds)}; load average at the end: {load}")
    print("| what | median | max |\n| --- | --- | --- |")
    print(row("/_stcore/health, no training", quiet_health, 3))
    print(row("/_stcore/health during the load", health, 3))
    print(row("7th visitor: cached page until metrics and charts show, no training", quiet))
    print(row("7th visitor: cached page until metrics and charts show, during the load", cached))
    ratio = statistics.median(cached) / statistics.median(quiet)
    print(f"ratio of the medians, load / no load: {ratio:.2f}")
    print(row("last of the 6 new configurations shown (800 steps each)", waits, 1))
    print(
        "shared configuration trained once in every round:", all(r["shared_once"] for r in rounds)
    )
    print(
        f"peak PSS: server {peaks.server:.0f} MB, workers and forkserver "
        f"{peaks.children:.0f} MB, together {peaks.total:.0f} MB"
    )
    print(
        f"server PSS: idle {idle:.0f} MB; before {configs} configurations {before:.0f} MB, "
        f"after {after:.0f} MB ({per_config:.2f} s each)"
    )


if __name__ == "__main__":
    main()
