"""margins: long strings fed in chunks give the same margins as one whole forward."""

from __future__ import annotations

import pytest
import torch

from parity.evaluation import margins
from tests.handbuilt import lstm_flipper, minsky_lstm


@pytest.mark.parametrize("stream", margins.streams(seed=3), ids=lambda s: s.name)
def test_every_stream_is_the_same_string_whatever_the_chunks(stream):
    whole = stream.bits(0, 10_000)
    parts = torch.cat([stream.bits(a, min(10_000, a + 777)) for a in range(0, 10_000, 777)])
    assert torch.equal(whole, parts) and set(whole.tolist()) <= {0.0, 1.0}


def test_streams_are_what_their_names_say():
    by_name = {s.name: s.bits(0, 12) for s in margins.streams()}
    assert by_name["one_then_zeros"].tolist() == [1.0] + [0.0] * 11
    assert by_name["zero_then_ones"].tolist() == [0.0] + [1.0] * 11
    assert by_name["periodic_110"].tolist() == [1.0, 1.0, 0.0] * 4
    long = {s.name: s.bits(0, 100_000).mean().item() for s in margins.streams()}
    assert long["sparse"] == pytest.approx(0.02, abs=0.003)
    assert long["dense"] == pytest.approx(0.98, abs=0.003)
    assert long["random_0"] == pytest.approx(0.5, abs=0.01)


def test_report_lengths_are_log_spaced_and_end_at_the_length():
    marks = margins.report_lengths(1_000_000)
    assert marks[0] == 1 and marks[-1] == 1_000_000 and (marks[1:] > marks[:-1]).all()
    assert 100 <= len(marks) <= 6 * margins.POINTS_PER_DECADE + 1


def direct_margins(model, bits: torch.Tensor) -> torch.Tensor:
    """Margins of every prefix from one whole forward, (S, T)."""
    logits = model(bits).double()
    odd = bits.cumsum(1) % 2
    return torch.where(odd > 0.5, logits, -logits)


def test_chunked_margins_match_one_forward_and_find_the_first_wrong_length():
    model = lstm_flipper(4.0).eval()
    rows, first_wrong = margins.margin_curves(model, 3000, chunk=97)
    made = margins.streams()
    bits = torch.stack([s.bits(0, 3000) for s in made])
    with torch.no_grad():
        direct = direct_margins(model, bits)
    lowest = {r["stream"]: float("inf") for r in rows}
    for r in rows:
        lowest[r["stream"]] = min(lowest[r["stream"]], r["margin"])
    for i, s in enumerate(made):
        assert lowest[s.name] == pytest.approx(direct[i].min().item(), rel=1e-5, abs=1e-6)
        wrong = (direct[i] <= 0).nonzero()
        if len(wrong):
            assert first_wrong[s.name] == int(wrong[0]) + 1
        else:
            assert s.name not in first_wrong
    assert first_wrong["one_then_zeros"] == 20  # a 1 then 19 zeros: the leak has won


def test_an_exact_network_stays_right_and_the_length_is_checked():
    rows, first_wrong = margins.margin_curves(minsky_lstm(), 20_000)
    assert first_wrong == {} and min(r["margin"] for r in rows) > 1.0
    with pytest.raises(ValueError, match="length must be"):
        margins.margin_curves(minsky_lstm(), 0)
    with pytest.raises(ValueError, match="length must be"):
        margins.margin_curves(minsky_lstm(), margins.MAX_LENGTH + 1)
