"""The defaults make parity machines: a sample of seeds, two never tuned on (>= 100), right on
random strings and on every stress family at lengths 1,000 and 10,000.

bench/generalization.py measures the same claim over seeds 0..99 and 100..199
(bench/GENERALIZATION.md); this keeps a sample in CI.
"""

import pytest

from parity.core.config import Config
from parity.evaluation.evaluate import accuracy_by_length
from parity.evaluation.families import ALL, family_accuracy
from parity.training.train import train

pytestmark = pytest.mark.slow  # five full default runs

SEEDS = (3, 31, 77, 123, 199)
LENGTHS = [1000, 10_000]


@pytest.mark.parametrize("seed", SEEDS)
def test_default_training_makes_a_parity_machine(seed):
    result = train(Config(seed=seed))
    assert result.status == "generalized"
    assert result.final_test_accuracy == 1.0  # 1,000 held-out strings of length 50..100
    assert result.verdict.is_parity_machine, result.verdict.headline
    random = accuracy_by_length(result.model, LENGTHS, size=1000)
    assert random["accuracy"].tolist() == [1.0, 1.0]
    stress = family_accuracy(result.model, ALL, LENGTHS, count=100)
    assert len(stress) == 2 * len(ALL)
    failing = stress[stress["accuracy"] < 1.0]
    assert failing.empty, failing.to_dict("records")
