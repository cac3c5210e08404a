"""The CLI's streamed trace: chunk by chunk, bounded, and the same text as the whole table."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from parity.analysis import traces
from parity.cli import trace_output
from parity.nets import cells
from parity.nets.models import MAX_CHUNK_FLOATS, ParityModel

ARCHS = ("lstm", "gru", "rnn")
BITS = np.random.default_rng(1).integers(0, 2, 150).tolist()  # 3 chunks of at most 64 steps


def whole_table_json(model: ParityModel, bits) -> str:
    """The trace as one json.dumps of the whole object, built from traces.trace's frames."""
    tr = traces.trace(model, bits)
    steps = []
    for i, row in enumerate(tr.prediction.itertuples()):
        step = {"step": int(row.step), "bit": int(row.bit)}
        for name in tr.quantities:
            rows = tr.quantity(name)
            step[name] = rows[rows["step"] == i + 1].sort_values("unit")["value"].tolist()
        step.update(
            probability=float(row.probability),
            predicted=int(row.predicted),
            running_parity=int(row.running_parity),
        )
        steps.append(step)
    bits_text = "".join(map(str, bits))
    whole = {"arch": model.arch, "hidden_size": model.hidden_size, "bits": bits_text}
    return json.dumps({**whole, "steps": steps}) + "\n"


@pytest.mark.parametrize("arch", ARCHS)
def test_streamed_json_is_the_whole_tables_text_in_many_chunks(arch, randomize):
    model = randomize(ParityModel(arch, 5), 2, scale=1.0)
    per_step = traces.trace_step_floats(arch, 5)
    out = io.StringIO()
    trace_output.write_json(model, BITS, out, max_floats=4 * per_step)  # ALIGN steps a chunk
    assert out.getvalue() == whole_table_json(model, BITS)


@pytest.mark.parametrize("arch", ARCHS)
def test_streamed_csv_rows_are_the_traces_numbers(arch, randomize):
    model = randomize(ParityModel(arch, 3), 5, scale=1.0)
    out = io.StringIO()
    trace_output.write_csv(model, BITS, out, max_floats=3 * traces.trace_step_floats(arch, 3))
    header, *rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert header == trace_output.csv_header(arch, 3) and len(rows) == len(BITS)
    tr = traces.trace(model, BITS)
    for name in cells.QUANTITIES[arch]:
        grid = tr.quantity(name).pivot(index="step", columns="unit", values="value").to_numpy()
        first = header.index(f"{name.replace(' ', '_')}_0")
        got = np.array([[float(v) for v in r[first : first + 3]] for r in rows])
        np.testing.assert_allclose(got, grid, rtol=1e-5, atol=1e-6)  # 6 significant digits
    assert [int(r[0]) for r in rows] == list(range(1, len(BITS) + 1))
    assert [int(r[1]) for r in rows] == BITS
    assert [int(r[-2]) for r in rows] == tr.prediction["predicted"].tolist()
    assert [int(r[-1]) for r in rows] == tr.prediction["running_parity"].tolist()


@pytest.mark.parametrize("arch", ARCHS)
def test_record_chunks_hold_a_bounded_number_of_floats(arch, randomize):
    """10,000 bits at 256 units: every chunk within MAX_CHUNK_FLOATS, the state carried."""
    model = randomize(ParityModel(arch, 256), 6, scale=0.2)
    bits = np.random.default_rng(6).integers(0, 2, 10_000).tolist()
    per_step = traces.trace_step_floats(arch, 256)
    starts, sizes = [], []
    for start, rec in traces.record_chunks(model, bits):
        starts.append(start)
        sizes.append(len(rec["logit"]))
        assert all(v.shape == (sizes[-1], 256) for k, v in rec.items() if k != "logit")
    assert sum(sizes) == 10_000 and starts == list(np.cumsum([0, *sizes[:-1]]))
    assert len(sizes) > 1 and max(sizes) * per_step <= MAX_CHUNK_FLOATS
    assert all(size % traces.ALIGN == 0 for size in sizes[:-1])


@pytest.mark.parametrize("length, per_chunk", [(25, 1), (3000, 1), (3000, 300)])
def test_chunked_records_equal_one_whole_record(length, per_chunk, randomize):
    """Bit for bit, logits included (long chunks are cut at multiples of traces.ALIGN)."""
    model = randomize(ParityModel("lstm", 16), 7, scale=0.5)
    bits = np.random.default_rng(length).integers(0, 2, length).tolist()
    whole = traces.record(model, bits, max_floats=10**9)
    step = traces.trace_step_floats("lstm", 16)
    chunked = traces.record(model, bits, max_floats=per_chunk * step)
    assert whole.keys() == chunked.keys()
    for name in whole:
        np.testing.assert_array_equal(chunked[name], whole[name])
