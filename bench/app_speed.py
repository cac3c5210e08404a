"""Parity Lab app timings (numbers to report, not assertions).

Server side: AppTest script-run times (the Python work a rerun costs).
Browser side: a real `streamlit run` + headless chromium, from navigation to the page idle.
Run from the repo root: python bench/app_speed.py [port]
"""

import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])
sys.path.insert(0, ROOT)
import streamlit as st  # noqa: E402

from tests.app.helpers import page_app  # noqa: E402


def timed(fn, repeat=5):
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def fmt(xs):
    median = statistics.median(xs)
    return f"median {median:.3f} s (min {min(xs):.3f}, max {max(xs):.3f}, n={len(xs)})"


def server_side():
    at = page_app("train").run()  # warm imports

    def cold_default():
        st.cache_resource.clear()
        st.cache_data.clear()
        page_app("train").run()

    print("server: default config, cold cache, train + draw:", fmt(timed(cold_default)))
    at = page_app("train").run()
    print("server: cached config, Train page redraw:", fmt(timed(at.run, 10)))
    inside = page_app("inside").run()
    bits = "".join("1" if (i * 7919) % 11 < 5 else "0" for i in range(1000))

    def thousand():
        st.cache_data.clear()  # the trace itself is not cached: measure the real work
        inside.text_input(key="bit_string").set_value(bits[:-1] + ("1" if bits[-1] == "0" else "0"))
        inside.run()
        inside.text_input(key="bit_string").set_value(bits).run()

    runs = []
    for _ in range(5):
        st.cache_data.clear()
        inside.text_input(key="bit_string").set_value("0").run()
        t = time.perf_counter()
        inside.text_input(key="bit_string").set_value(bits).run()
        runs.append(time.perf_counter() - t)
    print("server: Look inside, 1,000-bit string (trace + 7 charts):", fmt(runs))
    print("server: Look inside cached redraw:", fmt(timed(inside.run, 10)))
    page_app("lengths").run()

    def cold_lengths():
        st.cache_resource.clear()
        page_app("lengths").run()

    print("server: Length page cold (includes training the default):", fmt(timed(cold_lengths, 3)))


def browser_side(port):
    from playwright.sync_api import sync_playwright

    idle = "[data-testid='stApp'][data-test-script-state='notRunning']"
    env = dict(os.environ)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [
            f"{sys.prefix}/bin/streamlit",
            "run",
            "streamlit_app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            while True:
                try:
                    urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            pg = b.new_page(viewport={"width": 1440, "height": 900})
            pg.goto(f"http://localhost:{port}/")
            pg.wait_for_selector("[data-testid='stVegaLiteChart']", timeout=300000)
            print(
                f"browser: cold start (process start -> first chart): "
                f"{time.perf_counter() - t0:.2f} s"
            )
            pg.wait_for_selector(idle)
            reruns = []
            for _ in range(5):
                t = time.perf_counter()
                pg.keyboard.press("r")  # rerun: the cached configuration redraws
                pg.wait_for_timeout(100)
                pg.wait_for_selector(idle)
                reruns.append(time.perf_counter() - t - 0.1)
            print("browser: cached Train page rerun (press r -> idle):", fmt(reruns))
            news = []
            for seed in (11, 12, 13):
                t = time.perf_counter()
                pg.goto(f"http://localhost:{port}/?seed={seed}")
                pg.wait_for_selector(idle)
                pg.wait_for_selector("[data-testid='stMetric']")
                news.append(time.perf_counter() - t)
            print("browser: new config (load, train, show curves):", fmt(news))
            pg.goto(f"http://localhost:{port}/inside")
            pg.wait_for_selector(idle)
            pg.get_by_label("Random length", exact=True).fill("1000")
            pg.get_by_label("Random length", exact=True).press("Enter")
            pg.wait_for_timeout(300)
            pg.wait_for_selector(idle)
            draws = []
            for _ in range(3):
                t = time.perf_counter()
                pg.get_by_role("button", name="Random string").click()
                pg.wait_for_timeout(100)
                pg.wait_for_selector(idle)
                pg.wait_for_function(
                    "document.querySelectorAll('[data-testid=stVegaLiteChart] .marks').length >= 7"
                )
                draws.append(time.perf_counter() - t - 0.1)
            print(
                "browser: Look inside, new random 1,000-bit string:",
                fmt(draws),
                "| canvas charts:",
                pg.locator("[data-testid=stVegaLiteChart] canvas").count(),
            )
            b.close()
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    print("load average:", os.getloadavg())
    server_side()
    browser_side(int(sys.argv[1]) if len(sys.argv) > 1 else 8633)
    print("load average:", os.getloadavg())
