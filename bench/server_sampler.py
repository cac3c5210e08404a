"""A sampling profile of a server's threads: run a module under a sampler, report on exit.

python bench/server_sampler.py OUT.txt -m streamlit run streamlit_app.py ...  (what follows OUT
is the command line, as `python` would take it). Every 5 ms it records each other thread's
stack; every 2 s and at exit it writes the share of busy samples (not waiting on a lock, a
socket or a sleep) in which each function was on the stack, and each leaf's share of all.
"""

from __future__ import annotations

import atexit
import collections
import runpy
import sys
import threading
import time

INTERVAL = 0.005
WAITS = {"wait", "select", "poll", "sleep", "acquire", "recv", "recv_bytes", "_recv", "accept"}
WAITS |= {"_worker", "run_forever", "_run_once", "get", "epoll", "wait_for", "readinto"}
SLEEPERS = ("polling_path_watcher.py:task",)  # leaves that sleep in C (time.sleep has no frame)


def sample(out: str) -> None:
    inclusive, leaves = collections.Counter(), collections.Counter()
    totals = {"all": 0, "busy": 0}
    me = threading.get_ident()

    def loop() -> None:
        written = time.monotonic()
        while True:
            if time.monotonic() - written > 2.0:  # the server may exit without atexit
                report()
                written = time.monotonic()
            for ident, frame in sys._current_frames().items():
                if ident == me:
                    continue
                stack = []
                while frame is not None:
                    code = frame.f_code
                    stack.append(f"{code.co_filename.split('site-packages/')[-1]}:{code.co_name}")
                    frame = frame.f_back
                totals["all"] += 1
                leaves[stack[0]] += 1
                if stack[0].rsplit(":", 1)[1] in WAITS or stack[0].endswith(SLEEPERS):
                    continue
                totals["busy"] += 1
                inclusive.update(set(stack))
            time.sleep(INTERVAL)

    def report() -> None:
        busy, total = max(1, totals["busy"]), max(1, totals["all"])
        lines = [f"samples: {totals['all']} thread samples, {totals['busy']} busy"]
        lines += ["", "share of busy samples with the function on the stack:"]
        lines += [f"{n / busy:6.1%}  {name}" for name, n in inclusive.most_common(60)]
        lines += ["", "share of all samples by leaf:"]
        lines += [f"{n / total:6.1%}  {name}" for name, n in leaves.most_common(25)]
        with open(out, "w") as f:
            f.write("\n".join(lines) + "\n")

    me = threading.Thread(target=loop, daemon=True, name="sampler")  # report is defined above
    me.start()
    me = me.ident
    atexit.register(report)


if __name__ == "__main__":
    out, rest = sys.argv[1], sys.argv[2:]
    sample(out)
    if rest[0] == "-m":
        sys.argv = [rest[1], *rest[2:]]
        runpy.run_module(rest[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = rest
        runpy.run_path(rest[0], run_name="__main__")
