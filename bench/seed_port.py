"""The seed notebook's first training loop, ported faithfully, with nn.LSTM in place of nn.RNN.

Kept from the seed: Python's `random` draws each string (random.randint for its length,
random.choices for its bits), batches of 10 go through pack_sequence(enforce_sorted=False),
Adam at lr 1e-2, lengths 1..20, hidden size 8, BCEWithLogitsLoss on the output layer applied
to the final hidden state, and an evaluation after every episode with episode % 10 == 0.
Changed, to make it a benchmark: the evaluation uses 1000 held-out strings of length 50..100,
drawn once per seed before training (the seed drew 100 fresh ones each time); training stops
at the first perfect score, or at a step cap; evaluation time is not counted.

    python bench/seed_port.py --seed 0
"""

from __future__ import annotations

import argparse
import json
import random
import time

import torch
from torch import nn

LEN_MIN = 1
LEN_MAX = 20
HIDDEN_SIZE = 8
LEARNING_RATE = 1e-2
BATCH_SIZE = 10
EVALUATE_EVERY = 10

TEST_SIZE = 1000
TEST_LEN_MIN, TEST_LEN_MAX = 50, 100
TEST_SEED_OFFSET = 1_000_003  # the held-out strings never share a stream with training
STEP_CAP = 5000


def sample(start, end, rng=random):
    """One string and its parity, as the seed draws them (from `rng`, the module by default)."""
    input = rng.choices([0, 1], k=rng.randint(start, end))
    output = sum(input) % 2
    return input, output


class RNN(nn.Module):
    """The seed's model, with an LSTM: the output layer reads the final hidden state."""

    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.rnn = nn.LSTM(input_size=input_size, hidden_size=hidden_size, batch_first=True)
        self.output_layer = nn.Linear(hidden_size, output_size)

    def forward(self, input):
        _, (hidden_state, _) = self.rnn(input)  # an LSTM's state is (h, c)
        return self.output_layer(hidden_state)


def get_minibatch(batch_size, len_min=LEN_MIN, len_max=LEN_MAX, rng=random):
    """A packed batch of strings (1 feature) and their parities (B, 1), as in the seed."""
    pairs = (sample(len_min, len_max, rng) for _ in range(batch_size))
    batch_inputs, batch_outputs = zip(*pairs, strict=True)
    batch_inputs = nn.utils.rnn.pack_sequence(
        [torch.tensor(b, dtype=torch.float32).unsqueeze(dim=-1) for b in batch_inputs],
        enforce_sorted=False,
    )
    batch_outputs = torch.as_tensor(batch_outputs, dtype=torch.float32).unsqueeze(dim=-1)
    return batch_inputs, batch_outputs


def evaluate(rnn, input, output) -> float:
    """The seed's evaluate(): the fraction of strings whose parity the model gets right."""
    with torch.no_grad():
        logits = rnn(input)
    predictions = torch.as_tensor(logits > 0, dtype=torch.int64)
    return (predictions == output).sum().item() / len(output)


def run(seed: int = 0, step_cap: int = STEP_CAP) -> dict:
    """Train until the held-out strings are all right (or `step_cap` steps); returns numbers.

    `train_seconds` counts the training episodes only (sampling, forward, backward, Adam),
    not the evaluations.
    """
    test_inputs, test_outputs = get_minibatch(
        TEST_SIZE, TEST_LEN_MIN, TEST_LEN_MAX, random.Random(seed + TEST_SEED_OFFSET)
    )
    random.seed(seed)  # the seed notebook's module-level `random`
    torch.manual_seed(seed)  # the initial weights
    rnn = RNN(1, HIDDEN_SIZE, 1)
    optimiser = torch.optim.Adam(rnn.parameters(), lr=LEARNING_RATE)
    loss_function = nn.BCEWithLogitsLoss()
    seconds, accuracy, episode = 0.0, 0.0, -1
    for episode in range(step_cap):
        started = time.perf_counter()
        batch_inputs, batch_outputs = get_minibatch(BATCH_SIZE)
        logits = rnn(batch_inputs)
        loss = loss_function(logits.squeeze(dim=0), batch_outputs)

        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        seconds += time.perf_counter() - started

        if episode % EVALUATE_EVERY:
            continue
        accuracy = evaluate(rnn, test_inputs, test_outputs)
        if accuracy == 1.0:
            break
    return {
        "seed": seed,
        "solved": accuracy == 1.0,
        "steps": episode + 1,
        "train_seconds": seconds,
        "test_accuracy": accuracy,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--step-cap", type=int, default=STEP_CAP)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.seed, args.step_cap)))


if __name__ == "__main__":
    main()
