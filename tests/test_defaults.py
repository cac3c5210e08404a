"""The defaults win: every seed 0..9 generalizes from lengths 1..20 to 1,000 and 10,000."""

import pytest

from parity.config import Config
from parity.evaluate import accuracy_by_length
from parity.train import train


@pytest.mark.parametrize("seed", range(10))
def test_default_training_generalizes_to_long_strings(seed):
    result = train(Config(seed=seed))
    assert result.status == "generalized"
    assert result.final_test_accuracy == 1.0  # 1,000 held-out strings of length 50..100
    by_length = accuracy_by_length(result.model, [1000, 10_000], size=1000)
    acc = dict(zip(by_length["length"], by_length["accuracy"], strict=True))
    assert acc[1000] == 1.0
    assert acc[10_000] >= 0.99
