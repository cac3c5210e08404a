"""When training stops, and when it starts again from fresh weights.

After every evaluation the StopRule answers one of: keep going (None), 'solved', 'generalized'
or 'restart'. With stop='generalized' a model that solves the test set but keeps failing the
stress check (parity.evaluation.stress) for `restart_after` steps is stuck: its "odd" state fades
under long runs of zeros, and more training on short strings seldom repairs that (seeds 102 and
106 of the defaults ran all 2,000 steps). Fresh weights, seeded by the seed and the attempt,
learn it again in ~100 steps and pass most of the time.

'generalized' also needs what the verdict needs of a parity machine: the extracted automaton
(parity.analysis.automaton) is the stable two-state parity automaton, its states settled under
long runs of zeros and of ones. A model that passes every check while its state wanders under
zeros (default from-scratch RNNs 1002, 1029, 1033 and 1036 of 1000..1049; 1036 was wrong after
1,985 zeros then 1101010) trains on, as a model failing a check does.
"""

from __future__ import annotations

from ..analysis.automaton import Automaton, extract
from ..core.config import Config
from ..evaluation.stress import Outcome, StressSuite, config_suite
from ..evaluation.verdict import Verdict, verdict_for
from ..nets.models import ParityModel, build

RESTART_SEED_STEP = 1_000_033  # attempt k initialises from seed + k x this (mod 2**31)
# An attempt that has not solved the test set this many x restart_after steps after it began
# starts again too (the RNN's and GRU's stuck starts; an LSTM solves within ~200 steps).
UNSOLVED_FACTOR = 2


class StopRule:
    """Decides after each evaluation; keeps the stress suite and its last outcome."""

    final_stage = True  # a run's test set is its task from the first step (see curriculum)

    def __init__(self, config: Config):
        self.config = config
        self.suite: StressSuite | None = None
        self.outcome: Outcome | None = None
        self.automaton: Automaton | None = None  # extracted when the last outcome passed
        self.solved_at: int | None = None  # first perfect test step of this attempt
        self.began = 0  # the step this attempt began after
        self.restarts = 0

    def check_due(self, test_accuracy: float) -> StressSuite | None:
        """The stress suite to run now (a perfect test score under stop 'generalized'), or None."""
        if test_accuracy < 1.0 or self.config.stop != "generalized":
            return None
        self.suite = self.suite or config_suite(self.config)
        return self.suite

    def decide(self, model, step: int, test_accuracy: float, outcome=None) -> str | None:
        """None to go on, or 'solved', 'generalized' or 'restart'.

        `outcome`: the stress check of `model` now, when the caller ran it (the training loop
        runs the due checks of many models at once); by default this runs it.
        """
        config = self.config
        if test_accuracy < 1.0 and self._stuck_unsolved(step):
            return self._restart(step)
        if test_accuracy < 1.0 or config.stop == "budget":
            return None
        if config.stop == "solved":
            return "solved"
        self.solved_at = self.solved_at or step
        self.outcome = outcome or self.check_due(test_accuracy).run(model, stop_early=True)
        self.automaton = extract(model) if self.outcome.passed else None
        if self.automaton is not None and self.automaton.is_parity and self.automaton.stable:
            return "generalized"
        waited = step - self.solved_at
        return (
            self._restart(step) if config.restart_after and waited >= config.restart_after else None
        )

    def _stuck_unsolved(self, step: int) -> bool:
        """Under stop 'generalized': this attempt never solved the test set in
        UNSOLVED_FACTOR x restart_after steps."""
        config = self.config
        return (
            config.stop == "generalized"
            and config.restart_after > 0
            and self.solved_at is None
            and step - self.began >= UNSOLVED_FACTOR * config.restart_after
        )

    def _restart(self, step: int) -> str:
        self.began = step
        return "restart"

    def fresh_weights(self, model: ParityModel) -> None:
        """Re-initialise `model` in place for the next attempt (seeded, deterministic)."""
        self.restarts += 1
        seed = (self.config.seed + self.restarts * RESTART_SEED_STEP) % 2**31
        model.load_state_dict(build(self.config.replace(seed=seed)).state_dict())
        self.solved_at, self.outcome, self.automaton = None, None, None

    def verdict(self, model: ParityModel, test_accuracy: float, status: str, step: int) -> Verdict:
        """The trained model's verdict, reusing this rule's suite and its passing outcome."""
        return verdict_for(
            model, self.config, test_accuracy, suite=self.suite,
            outcome=self.outcome if status == "generalized" else None,
            automaton=self.automaton if status == "generalized" else None,
            diverged_at=step if status == "diverged" else None,
            budget=step if status == "budget" else None,
        )  # fmt: skip
