"""Run one job in this process and print its peak memory and time as JSON (bench/limits.py).

    python bench/memory_probe.py '{"kind": "train", "config": {"hidden_size": 64}}'
    python bench/memory_probe.py '{"kind": "lengths", "config": {...}, "size": 1000}'
    python bench/memory_probe.py '{"kind": "trace", "config": {...}, "bits": 1953}'
    python bench/memory_probe.py '{"kind": "cli_trace", "model": "m.safetensors", "bits": 10000}'

Prints {"base_mb", "peak_mb", "extra_mb", "seconds", "cpu_seconds"}: resident memory once
torch and the package are imported (the baseline every process pays), the process's peak
resident memory (ru_maxrss), their difference (what the job itself added), and the job's wall
and CPU time (on one intra-op thread the CPU time is what the job takes with a core to itself,
however loaded the machine is). Each job
runs in a fresh process so one job's peak never hides another's.
"""

from __future__ import annotations

import io
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from parity.analysis import traces  # noqa: E402
from parity.charts import states as charts  # noqa: E402
from parity.cli import trace_output  # noqa: E402
from parity.core.config import MAX_TEST_LEN, Config  # noqa: E402
from parity.core.runtime import use_one_thread  # noqa: E402
from parity.evaluation import evaluate  # noqa: E402
from parity.nets import modelfile  # noqa: E402
from parity.nets.models import build  # noqa: E402
from parity.training.train import train  # noqa: E402


def resident_mb() -> float:
    """Current resident set size in MB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def random_bits(length: int) -> list[int]:
    return np.random.default_rng(length).integers(0, 2, length).tolist()


def run_job(job: dict) -> None:
    """The job itself (what the app or the CLI does for it)."""
    config = Config.from_dict(job.get("config", {}))
    if job["kind"] == "train":
        train(config)
    elif job["kind"] == "lengths":  # the Length page: every log length, one at a time
        model = build(config)
        model.eval()
        every = evaluate.log_lengths(MAX_TEST_LEN, job.get("per_decade", 8))
        for length in job.get("lengths", every):
            evaluate.accuracy_by_length(model, [length], size=job["size"])
    elif job["kind"] == "accuracy":  # one length, as training's evaluations and checks do
        evaluate.accuracy_by_length(build(config), [job["length"]], size=job["size"])
    elif job["kind"] == "trace":  # Look inside: the tidy trace, binned as the page draws it
        tr = traces.trace(build(config), random_bits(job["bits"]))
        charts.bin_states(tr.states, charts.bins_for(job["bits"], config.hidden_size))
    elif job["kind"] == "cli_trace":  # `python -m parity trace` (output discarded)
        model, _ = modelfile.load(job["model"])
        model.impl = "torch"
        out = io.StringIO() if job.get("keep") else _Discard()
        write = trace_output.write_json if job.get("format") == "json" else trace_output.write_csv
        write(model, random_bits(job["bits"]), out)
    elif job["kind"] == "idle":
        pass
    else:
        raise ValueError(f"unknown job kind {job['kind']!r}")


class _Discard:
    def write(self, text: str) -> int:
        return len(text)


def main() -> None:
    use_one_thread()
    job = json.loads(sys.argv[1])
    torch.manual_seed(0)
    base = resident_mb()
    started, cpu = time.perf_counter(), time.process_time()
    run_job(job)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = peak_mb()
    print(
        json.dumps(
            {
                "base_mb": round(base, 1),
                "peak_mb": round(peak, 1),
                "extra_mb": round(peak - base, 1),
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
