"""The CLI's trace output, CSV or JSON, written chunk by chunk in bounded memory.

A 10,000-bit trace of a 256-unit LSTM is 15 million numbers: building it as one table first
took 2.9 GB. Here the steps are recorded in chunks (inspect.record_chunks) and each chunk is
written out before the next is computed, so memory stays that of one chunk whatever the
length; the text is the same as writing the whole table at once.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator

import numpy as np

from ..analysis.traces import record_chunks
from ..nets import cells
from ..nets.models import MAX_CHUNK_FLOATS, ParityModel

TAIL = ("probability", "predicted", "running_parity")


def csv_header(arch: str, hidden_size: int) -> list[str]:
    """step, bit, <quantity>_<unit> for every quantity and unit, probability, predicted, ..."""
    units = [
        f"{name.replace(' ', '_')}_{u}"
        for name in cells.QUANTITIES[arch]
        for u in range(hidden_size)
    ]
    return ["step", "bit", *units, *TAIL]


def steps(model: ParityModel, bits, max_floats: int = MAX_CHUNK_FLOATS) -> Iterator[tuple]:
    """Per step: (step, bit, {quantity: H floats}, probability, predicted, running_parity)."""
    bit_arr = np.asarray(bits, dtype=np.int64)
    running = np.cumsum(bit_arr) % 2
    for start, rec in record_chunks(model, bits, max_floats):
        logit = rec["logit"].astype(np.float64)
        probability = 1.0 / (1.0 + np.exp(-logit))
        values = {name: rec[name].astype(np.float64) for name in cells.QUANTITIES[model.arch]}
        predicted = rec["logit"] > 0
        for i in range(len(logit)):
            t = start + i
            per_unit = {name: v[i].tolist() for name, v in values.items()}
            yield (
                t + 1,
                int(bit_arr[t]),
                per_unit,
                float(probability[i]),
                int(predicted[i]),
                int(running[t]),
            )


def write_csv(model: ParityModel, bits, stream, max_floats: int = MAX_CHUNK_FLOATS) -> None:
    """One header, then one row per step (see csv_header); floats with 6 significant digits."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(csv_header(model.arch, model.hidden_size))
    for step, bit, per_unit, probability, predicted, parity in steps(model, bits, max_floats):
        units = [f"{v:.6g}" for values in per_unit.values() for v in values]
        writer.writerow([step, bit, *units, f"{probability:.6g}", predicted, parity])


def write_json(model: ParityModel, bits, stream, max_floats: int = MAX_CHUNK_FLOATS) -> None:
    """{"arch", "hidden_size", "bits", "steps": [{step, bit, <quantity>: [H], ...}]}, one line.

    The same text as json.dumps of the whole object, written a step at a time.
    """
    head = {"arch": model.arch, "hidden_size": model.hidden_size, "bits": "".join(map(str, bits))}
    stream.write(json.dumps(head)[:-1] + ', "steps": [')
    for number, (step, bit, per_unit, probability, predicted, parity) in enumerate(
        steps(model, bits, max_floats)
    ):
        row = {"step": step, "bit": bit, **per_unit, "probability": probability}
        row.update(predicted=predicted, running_parity=parity)
        stream.write((", " if number else "") + json.dumps(row))
    stream.write("]}\n")
