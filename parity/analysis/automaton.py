"""The finite automaton a trained network computes, read off its states, and its stability.

extract(model) reads states.SAMPLE_STRINGS seeded strings (each with its own density of
ones), collects every state (hidden, and cell for an LSTM), splits them by the head's answer
(states with different answers are never equivalent) and clusters each answer's states with
k-means into j = 1, 2, ... clusters (at most MAX_CLUSTERS in all), keeping the first j whose
transition table is consistent: on input 0 and on input 1, each cluster's states go to one
cluster (the share that follow the table's majority is the `agreement`). The table is
minimised (Moore's partition refinement, the answer as output) and compared with the
two-state parity automaton. A network that has not learned parity gets what its states
really do: more states, a constant answer, or no consistent table, never a forced two.

Stability: from a typical state of each automaton state, and from the EDGE_STARTS sampled
states at the edge of its cloud, DRIFT_STEPS zeros and, apart, DRIFT_STEPS ones are fed; at
every step the state must sit in a cluster of the state the automaton says it is in. The
first step where it does not is where length generalization breaks. And by the end the state
must have settled: come back (the whole state, within SETTLE_TOLERANCE) after at most
MAX_PERIOD steps, a fixed point or a short cycle that then goes on for ever. A state that is
still moving after DRIFT_STEPS bits wanders inside its cluster, where checks can only sample
it: default from-scratch RNN 1036 wandered so under zeros and was wrong on the ending
1101010 after 1,982 to 1,985 zeros only (of every run length up to 5,000).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..nets.models import ParityModel
from . import states
from .kmeans import kmeans, nearest
from .minimise import merge, reachable

MAX_CLUSTERS = 12  # k-means tries k = 1..MAX_CLUSTERS
CONSISTENCY = 0.995  # agreement a table needs to count as consistent
DRIFT_STEPS = 10_000
DRIFT_CHUNK = 500  # steps read at once in the drift check
EDGE_STARTS = 4  # drift runs per state also start from this many states at its cloud's edge
MAX_FEATURE_ELEMENTS = 1_000_000  # sampled states x state width kept for clustering
PARITY_TRANSITIONS = {0: {"0": 0, "1": 1}, 1: {"0": 1, "1": 0}}


@dataclass(frozen=True)
class Drift:
    """One stability run: `steps` copies of `bit` fed from a typical state of `state`."""

    state: int
    bit: str
    steps: int
    left_at: int | None  # first step whose state is not where the automaton says; None = stayed
    found_in: int | None  # the automaton state it was in then (None: outside every state)
    expected: int | None = None  # the state the automaton says it should have been in then
    settles: bool = True  # its state came back within MAX_PERIOD steps by the end

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Automaton:
    """A minimised automaton over {0, 1}: states 0..states-1, numbered breadth-first from 0."""

    states: int
    start: int
    accepting: tuple[int, ...]  # the states whose answer is 1 (odd)
    transitions: dict[int, dict[str, int]]  # {state: {"0": next, "1": next}}
    consistent: bool  # the quantised table's agreement reached CONSISTENCY
    agreement: float
    clusters: int  # k-means clusters before minimisation
    sampled: int  # states the clusters were fitted on
    stable: bool  # every drift run stayed where the automaton says, and settled
    drift: tuple[Drift, ...]

    @property
    def is_parity(self) -> bool:
        """Exactly the two-state parity automaton: start even, 1 flips, 0 keeps, odd accepts."""
        return (
            self.consistent
            and self.states == 2
            and self.start == 0
            and self.accepting == (1,)
            and self.transitions == PARITY_TRANSITIONS
        )

    @property
    def wanders(self) -> bool:
        """Every drift run stayed where the automaton says, but some never settled."""
        return all(d.left_at is None for d in self.drift) and not all(d.settles for d in self.drift)

    def to_dict(self) -> dict:
        """JSON-ready: state keys become strings, as JSON objects need."""
        return {
            "states": self.states,
            "start": self.start,
            "accepting": list(self.accepting),
            "transitions": {str(s): dict(t) for s, t in self.transitions.items()},
            "is_parity": self.is_parity,
            "stable": self.stable,
            "consistent": self.consistent,
            "agreement": round(self.agreement, 6),
            "clusters": self.clusters,
            "sampled": self.sampled,
            "drift": [d.to_dict() for d in self.drift],
        }


@dataclass(frozen=True)
class Quantised:
    """Clusters of the sampled states, each within one answer, and the majority table."""

    centres: torch.Tensor  # (k, D)
    labels: list[int]  # the answer of each cluster's states
    assign: torch.Tensor  # (N,) cluster of each sampled state
    table: list[tuple[int, int]]  # majority next cluster on 0, on 1
    agreement: float  # share of (state, input) transitions that follow the table

    def classify(self, x: torch.Tensor, answer: torch.Tensor) -> torch.Tensor:
        """Each state's cluster (N,): the nearest centre among those of its own answer.

        A state whose answer no cluster has goes to the nearest centre of any answer. x may
        hold only the first columns of the features (the hidden part of an LSTM's [h, c]).
        """
        distance = torch.cdist(x, self.centres[:, : x.shape[1]])  # (N, k)
        labels = torch.tensor(self.labels)
        return (distance + OTHER_ANSWER * (answer[:, None] != labels[None])).argmin(dim=1)


OTHER_ANSWER = 1e6  # distance added to centres of the other answer


def tabulate(centres, labels, assign, next0, next1) -> Quantised:
    """The majority successor of each cluster on 0 and on 1, and the share that follow it."""
    k = len(centres)
    follows, table = 0, []
    for nxt in (next0, next1):
        counts = torch.bincount(assign * k + nxt, minlength=k * k).view(k, k)  # (k, k)
        majority = counts.argmax(1)
        follows += int((nxt == majority[assign]).sum())
        table.append(majority.tolist())
    agreement = follows / (2 * len(assign))
    rows = list(zip(table[0], table[1], strict=True))
    return Quantised(centres, labels, assign, rows, agreement)


def quantise(x, answer, successors, max_clusters: int, seed: int) -> Quantised:
    """Cluster each answer's states into j = 1, 2, ... clusters; the first consistent table.

    `successors` is [(features, answers) on input 0, on input 1] of every sampled state.
    States with different answers are never equivalent, so clusters never mix them; j grows
    until the table is consistent or j reaches max_clusters // 2 (then the best table).
    """
    classes = sorted(set(answer.tolist()))
    best = None
    for j in range(1, max(1, max_clusters // len(classes)) + 1):
        parts = [kmeans(x[answer == c], j, seed=seed)[0] for c in classes]
        labels = [c for c, part in zip(classes, parts, strict=True) for _ in range(len(part))]
        q = Quantised(torch.cat(parts), labels, torch.empty(0), [], 0.0)
        nxt = [q.classify(f, a) for f, a in successors]
        q = tabulate(q.centres, labels, q.classify(x, answer), *nxt)
        if best is None or q.agreement > best.agreement:
            best = q
        if q.agreement >= CONSISTENCY or all(len(part) < j for part in parts):
            break
    return best


def _start_state(labels, table, block, start_next, start_answer: int):
    """Which minimised state the empty string is in; or a state of its own.

    The network is never asked about the empty string, so the start's own answer does not
    count: the start joins the state with its successors (preferring its nearest cluster's
    state, then an even one). Returns (labels, table, start).
    """
    want = (block[start_next[0]], block[start_next[1]])
    fits = [s for s, row in enumerate(table) if row == want]
    if fits:
        fits.sort(key=lambda s: (s != block[start_next[2]], labels[s] != 0, s))
        return labels, table, fits[0]
    labels, table = labels + [start_answer], table + [want]
    return labels, table, len(table) - 1


def _starts(x: torch.Tensor, q: Quantised, members: list[int]) -> torch.Tensor:
    """Where the drift runs of one automaton state begin: (1 + EDGE_STARTS, D) at most.

    The sampled state nearest the centre of the state's largest cluster, and the
    EDGE_STARTS sampled states farthest from their cluster's centre: a state can be right
    at its centre and still drift from the edge of its cloud.
    """
    sizes = torch.bincount(q.assign, minlength=len(q.centres))
    cluster = max(members, key=lambda c: int(sizes[c]))
    rows = (q.assign == cluster).nonzero().squeeze(1)
    typical = rows[(x[rows] - q.centres[cluster]).pow(2).sum(1).argmin()]
    mine = torch.isin(q.assign, torch.tensor(members)).nonzero().squeeze(1)
    spread = (x[mine] - q.centres[q.assign[mine]]).pow(2).sum(1)  # (n,)
    edge = mine[spread.argsort(descending=True)[:EDGE_STARTS]]
    return x[torch.cat([typical[None], edge[edge != typical]])]


def expected_paths(table: list[tuple[int, int]], steps: int) -> np.ndarray:
    """The automaton's state after 1..steps copies of each bit from each state: (2S, steps).

    Rows 0..S-1 feed zeros from states 0..S-1; rows S..2S-1 feed ones.
    """
    count = len(table)
    nxt = np.array(table).T  # (2, S): next state on bit b from state s
    which = np.repeat([0, 1], count)
    where = np.tile(np.arange(count), 2)
    paths = np.empty((2 * count, steps), dtype=np.int64)
    seen: dict[bytes, int] = {}  # every row's state at once -> the first step it was seen
    for t in range(steps):
        where = nxt[which, where]
        paths[:, t] = where
        first = seen.setdefault(where.tobytes(), t)
        if first < t:  # from here all rows repeat steps first+1..t: copy them (same result)
            cycle = paths[:, first + 1 : t + 1]
            rest = steps - t - 1
            paths[:, t + 1 :] = np.tile(cycle, (1, rest // (t - first) + 1))[:, :rest]
            break
    return paths


REPEAT_TOLERANCE = 1e-6  # a whole state this close to itself two steps later has settled
SETTLE_TOLERANCE = 1e-4  # by the end, a whole state back this close (max abs) has settled ...
MAX_PERIOD = 12  # ... when it comes back after at most this many steps


def _settled(model, bits: torch.Tensor, state):
    """The h of the next two steps (2M, 2, H) if every run's whole state (h, and c) is back
    within REPEAT_TOLERANCE after them (a fixed point or a 2-cycle, which then goes on for
    ever); else None."""
    outputs, ahead = model.run(bits.expand(-1, 2).contiguous(), state)
    now, later = states.to_features(model, state), states.to_features(model, ahead)
    return outputs if float((later - now).abs().max()) <= REPEAT_TOLERANCE else None


def _returns(model, bits: torch.Tensor, state) -> np.ndarray:
    """Per run (2M,): whether its whole state comes back within SETTLE_TOLERANCE after some
    1..MAX_PERIOD more steps of its bit."""
    now = states.to_features(model, state)
    back = torch.zeros(len(now), dtype=torch.bool)
    for _ in range(MAX_PERIOD):
        _, state = model.run(bits, state)
        back |= (states.to_features(model, state) - now).abs().amax(1) <= SETTLE_TOLERANCE
    return back.numpy()


@torch.no_grad()
def check_drift(model, starts, owners, table, q: Quantised, cluster_state, steps: int) -> list:
    """Feed `steps` zeros and ones from each start (M, D) of automaton state owners[m].

    The hidden vector h (what the head reads) is classified at every step; the runs use
    torch's fused module. cluster_state maps each cluster to its automaton state (-1: none).
    Returns (left_at, found_in, expected, settles) per run: zeros from every start, then
    ones; settles is whether the run's state had settled by the end (_returns).
    """
    count = len(starts)
    bits = torch.tensor([0.0] * count + [1.0] * count)[:, None]  # (2M, 1)
    state = states.to_state(model, torch.cat([starts, starts]))
    paths = expected_paths(table, steps)  # (2S, steps)
    owners = np.asarray(owners)
    paths = np.concatenate([paths[owners], paths[len(table) + owners]])  # (2M, steps)
    left_at, left_in = np.zeros(2 * count, dtype=np.int64), np.full(2 * count, -1)
    settles = None
    for first in range(0, steps, DRIFT_CHUNK):
        length = min(DRIFT_CHUNK, steps - first)
        outputs, state = model.run(bits.expand(-1, length).contiguous(), state)  # (2M, L, H)
        flat = outputs.reshape(-1, outputs.shape[-1])  # (2M * L, H)
        found = cluster_state[q.classify(flat, states.answers(model, flat)).numpy()]
        found = found.reshape(2 * count, length)
        rest = steps - first - length
        cycle = _settled(model, bits, state) if rest else None
        if cycle is not None:  # every run repeats its next two steps for ever
            flat = cycle.reshape(-1, cycle.shape[-1])  # (2M * 2, H)
            two = cluster_state[q.classify(flat, states.answers(model, flat)).numpy()]
            tail = np.tile(two.reshape(2 * count, 2), (rest + 1) // 2)[:, :rest]
            found, length = np.concatenate([found, tail], axis=1), length + rest
            settles = np.ones(2 * count, dtype=bool)
        off = found != paths[:, first : first + length]
        for run in np.nonzero(off.any(axis=1) & (left_at == 0))[0]:
            t = int(np.argmax(off[run]))
            left_at[run], left_in[run] = first + t + 1, found[run, t]
        if first + length >= steps:
            break
    if settles is None:  # ran every step: has each run come back by now?
        settles = _returns(model, bits, state)
    return [
        (int(a), int(s) if s >= 0 else None, int(paths[run, a - 1]), bool(settles[run]))
        if a
        else (None, None, None, bool(settles[run]))
        for run, (a, s) in enumerate(zip(left_at, left_in, strict=True))
    ]


def first_drifts(runs: list, owners: list[int], states: int, steps: int) -> tuple[Drift, ...]:
    """Per (bit, state): the run that left its path first (or, when none did, one that never
    settled, else one that stayed and settled)."""
    best: dict[tuple[int, int], tuple] = {}

    def rank(run: tuple) -> tuple[int, bool]:
        return (run[0] if run[0] is not None else steps + 1, run[3])

    for index, run in enumerate(runs):
        bit, owner = divmod(index, len(owners))
        key = (bit, owners[owner])
        if key not in best or rank(run) < rank(best[key]):
            best[key] = run
    return tuple(
        Drift(state, str(bit), steps, *best[(bit, state)])
        for bit in (0, 1)
        for state in range(states)
    )


def _drift(model, sample, q: Quantised, table, cluster_state, steps: int) -> tuple[Drift, ...]:
    """The stability check of every automaton state (a start-only state runs from zeros)."""
    starts, owners = [], []
    for state in range(len(table)):
        members = [c for c, s in enumerate(cluster_state) if s == state]
        mine = _starts(sample.features, q, members) if members else sample.start[None]
        starts.append(mine)
        owners += [state] * len(mine)
    runs = check_drift(model, torch.cat(starts), owners, table, q, cluster_state, steps)
    return first_drifts(runs, owners, len(table), steps)


@torch.no_grad()
def extract(
    model: ParityModel,
    *,
    seed: int = states.SAMPLE_SEED,
    strings: int = states.SAMPLE_STRINGS,
    max_len: int = states.SAMPLE_MAX_LEN,
    max_clusters: int = MAX_CLUSTERS,
    drift_steps: int = DRIFT_STEPS,
) -> Automaton:
    """The minimised automaton `model` computes on its sampled states, with a drift check."""
    points = max(100, MAX_FEATURE_ELEMENTS // states.width(model))
    sample = states.collect(model, strings, max_len, seed, max_points=points)
    x = sample.features
    succ = [states.successors(model, x, bit) for bit in (0, 1)]
    answer = torch.from_numpy(sample.answer)
    q = quantise(x, answer, [(f, states.answers(model, f)) for f in succ], max_clusters, seed)
    labels, table, block = merge(q.labels, q.table)
    start = sample.start[None]  # (1, D)
    start_next = []
    for bit in (0, 1):
        after = states.successors(model, start, bit)
        start_next.append(int(q.classify(after, states.answers(model, after))[0]))
    start_next.append(int(nearest(start, q.centres)[0]))
    start_answer = int(states.answers(model, start)[0])
    labels, table, start = _start_state(labels, table, block, start_next, start_answer)
    labels, table, renumber = reachable(labels, table, start)
    cluster_state = np.array([renumber.get(b, -1) for b in block])
    drift = _drift(model, sample, q, table, cluster_state, drift_steps)
    count = len(labels)
    return Automaton(
        states=count,
        start=0,
        accepting=tuple(s for s, label in enumerate(labels) if label == 1),
        transitions={s: {"0": a, "1": b} for s, (a, b) in enumerate(table)},
        consistent=q.agreement >= CONSISTENCY,
        agreement=q.agreement,
        clusters=len(q.centres),
        sampled=len(sample),
        stable=all(d.left_at is None and d.settles for d in drift),
        drift=drift,
    )
