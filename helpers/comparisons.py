"""Whether two networks differ by more than noise: the statistics behind part 8's findings.

A single training is one draw of the initial weights and the dropout masks, so two trainings of the
same network already differ; and every accuracy is measured on one set of 10,000 test digits, which is
itself a sample. Every headline network is trained ten times (``helpers.reruns``), and its reruns
record which test digits each training got right, so both sources of noise can be counted.

Units: accuracies go in as percentages (one value per training); differences, interval ends and
standard deviations come out in percentage points; error rates in % of the test digits.

* ``compare_family`` sets several pairs of networks against each other as one family of tests: for
  each, the difference of mean accuracies with Welch's interval at the Bonferroni level (the intervals
  hold together, 95 % of the time), Welch's p and an exact permutation p, and the permutation p
  adjusted by Holm's method, on which the verdict rests.
* ``new_test_set_interval`` adds the test set's own sampling error: a two-level bootstrap over
  trainings and over test digits.
* ``equivalence_p`` asks whether a number reported elsewhere (the original tutorial's) reproduces:
  two one-sided tests (TOST) against a margin.
* ``prediction_interval`` is where one more training of a network would land.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

#: The confidence of every interval, and one minus the error rate of every family of tests.
LEVEL = 0.95
#: The equivalence margin against the original tutorial's accuracies, in points.
REPRODUCTION_MARGIN = 0.3
#: Above this many splits of the pooled runs, the permutation p is estimated from a random sample of them.
EXACT_SPLITS = 200_000


@dataclass(frozen=True)
class Comparison:
    """``first`` against ``second``, one test of a family (accuracies in %, differences in points)."""

    first: str
    second: str
    difference: float  # mean accuracy of first − of second, points
    low: float  # simultaneous interval of the difference (Welch, Bonferroni level), points
    high: float
    p_welch: float  # unadjusted
    p_permutation: float  # unadjusted, exact (or Monte Carlo above EXACT_SPLITS splits)
    p_adjusted: float  # the permutation p adjusted for the family (Holm)
    error_first: float  # mean error rate of first, % of the test digits
    error_second: float

    @property
    def fewer_errors(self) -> float:
        """How many fewer errors ``first`` makes than ``second``, in % of the second's (negative: more)."""
        return 100 * (self.error_second - self.error_first) / self.error_second

    @property
    def significant(self) -> bool:
        """Whether the family-adjusted p is below 1 − ``LEVEL``."""
        return self.p_adjusted < 1 - LEVEL

    @property
    def verdict(self) -> str:
        """``"<first> higher"`` / ``"<first> lower"`` when the adjusted p is below 0.05, else ``"within noise"``."""
        if not self.significant:
            return "within noise"
        return f"{self.first} {'higher' if self.difference > 0 else 'lower'}"


def permutation_p(a: Sequence[float], b: Sequence[float], *, rng: np.random.Generator | None = None) -> float:
    """Two-sided permutation p of the difference of means of ``a`` and ``b``.

    Every split of the pooled values into groups of ``len(a)`` and ``len(b)`` is equally likely when the
    two networks are equally good; p is the share of splits whose difference of means is at least as far
    from zero as the observed one. Exact when there are at most ``EXACT_SPLITS`` splits (10 against 10:
    184,756), else estimated from ``EXACT_SPLITS`` random splits (counting the observed one).
    """
    first, second = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    pooled = np.concatenate([first, second])
    n, total = len(first), pooled.sum()
    observed = abs(first.mean() - second.mean())
    if math.comb(len(pooled), n) <= EXACT_SPLITS:
        chosen = np.array(list(itertools.combinations(range(len(pooled)), n)))
        sums = pooled[chosen].sum(axis=1)
        extra = 0
    else:
        rng = rng or np.random.default_rng(0)
        sums = np.array([pooled[rng.permutation(len(pooled))[:n]].sum() for _ in range(EXACT_SPLITS - 1)])
        extra = 1  # the observed split itself
    differences = np.abs(sums / n - (total - sums) / len(second))
    tolerance = 1e-9 * max(1.0, observed)  # the observed split must count as "at least as far"
    hits = int((differences >= observed - tolerance).sum()) + extra
    return hits / (len(sums) + extra)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment: a family of tests whose chance of any false verdict stays at most α."""
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p)
    count = len(p)
    adjusted = np.empty(count)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (count - rank) * p[index]))
        adjusted[index] = running
    return adjusted.tolist()


def welch(a: Sequence[float], b: Sequence[float], level: float = LEVEL) -> tuple[float, float, float]:
    """Welch's t-test of ``a`` against ``b``: the interval of the difference of means at ``level``, and p."""
    first, second = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    for runs in (first, second):
        if len(runs) < 2:
            raise ValueError(f"a comparison needs at least 2 runs per network, got {len(runs)}")
    test = stats.ttest_ind(first, second, equal_var=False)
    interval = test.confidence_interval(level)
    return float(interval.low), float(interval.high), float(test.pvalue)


def compare_family(
    pairs: Mapping[str, tuple[str, str]], accuracies: Mapping[str, Sequence[float]]
) -> dict[str, Comparison]:
    """Each ``name: (first, second)`` of ``pairs`` as one family of tests on ``accuracies`` (per network, in %)."""
    level = 1 - (1 - LEVEL) / len(pairs)  # Bonferroni: the intervals hold together at LEVEL
    rows = {}
    for name, (first, second) in pairs.items():
        a, b = np.asarray(accuracies[first], dtype=float), np.asarray(accuracies[second], dtype=float)
        low, high, p_welch = welch(a, b, level)
        rows[name] = (first, second, float(a.mean() - b.mean()), low, high, p_welch, permutation_p(a, b))
        rows[name] += (100 - a.mean(), 100 - b.mean())
    adjusted = holm([row[6] for row in rows.values()])
    return {
        name: Comparison(*row[:7], p_adjusted=p, error_first=float(row[7]), error_second=float(row[8]))
        for (name, row), p in zip(rows.items(), adjusted, strict=True)
    }


def new_test_set_interval(
    correct_first: np.ndarray,
    correct_second: np.ndarray,
    *,
    level: float = LEVEL,
    draws: int = 4000,
    seed: int = 0,
) -> tuple[float, float]:
    """Where the difference of mean accuracies (points) would land with new trainings on a new test set.

    A two-level bootstrap: each draw resamples the trainings of each network (with replacement) and the
    test digits (with replacement, the same digits for both networks, as both are scored on one test
    set), and takes the difference of the mean accuracies; the interval is the central ``level`` of the
    draws. ``correct_*`` are booleans, trainings × test digits (``Reruns.test_correct``).
    """
    first, second = np.asarray(correct_first, dtype=np.float32), np.asarray(correct_second, dtype=np.float32)
    if first.shape[1] != second.shape[1]:
        raise ValueError(f"both networks must be scored on the same test digits: {first.shape} against {second.shape}")
    rng = np.random.default_rng(seed)
    digits = first.shape[1]
    differences = np.empty(draws)
    for start in range(0, draws, 500):
        size = min(500, draws - start)
        counts = rng.multinomial(digits, np.full(digits, 1 / digits), size=size).T.astype(np.float32)  # digits × draws
        means = []
        for correct in (first, second):
            per_training = correct @ counts / digits  # trainings × draws: each training's accuracy on the new set
            picks = rng.integers(0, len(correct), size=(len(correct), size))
            means.append(np.take_along_axis(per_training, picks, axis=0).mean(axis=0))
        differences[start : start + size] = 100 * (means[0] - means[1])
    tail = (1 - level) / 2
    return float(np.quantile(differences, tail)), float(np.quantile(differences, 1 - tail))


def equivalence_p(runs: Sequence[float], reference: float, margin: float = REPRODUCTION_MARGIN) -> float:
    """TOST p that one more training of ours lands within ±``margin`` points of ``reference`` (all in %).

    The reference is one training of the same network elsewhere, so the difference between it and our
    mean has the spread of a new training: s·√(1 + 1/n), with n − 1 degrees of freedom. p below 0.05
    means that the two agree within the margin; above, agreement is not shown (which is not a
    difference shown either).
    """
    values = np.asarray(runs, dtype=float)
    count = len(values)
    if count < 2:
        raise ValueError(f"an equivalence test needs at least 2 runs, got {count}")
    scale = values.std(ddof=1) * np.sqrt(1 + 1 / count)
    gap = values.mean() - reference
    above = stats.t.sf((gap + margin) / scale, count - 1)  # H0: gap ≤ −margin
    below = stats.t.cdf((gap - margin) / scale, count - 1)  # H0: gap ≥ +margin
    return float(max(above, below))


def prediction_interval(runs: Sequence[float]) -> tuple[float, float]:
    """Where one more training would land (``LEVEL`` of the time), from several runs: mean ± t·s·√(1 + 1/n)."""
    values = np.asarray(runs, dtype=float)
    count = len(values)
    if count < 2:
        raise ValueError(f"a prediction interval needs at least 2 runs, got {count}")
    half = stats.t.ppf(0.5 + LEVEL / 2, count - 1) * values.std(ddof=1) * np.sqrt(1 + 1 / count)
    return float(values.mean() - half), float(values.mean() + half)


def accuracy_standard_error(accuracy: float, test_images: int) -> float:
    """The standard error of an accuracy (a fraction) measured on ``test_images`` digits: √(p(1-p)/n)."""
    return (accuracy * (1 - accuracy) / test_images) ** 0.5


def rank_correlation(first: Sequence[float], second: Sequence[float]) -> float:
    """Spearman's ρ: how well the order of ``first`` predicts the order of ``second`` (1: the same order)."""
    return float(stats.spearmanr(first, second).statistic)


def format_p(p: float) -> str:
    """A p-value as a statistician writes it: ``< 0.001`` below a thousandth, else two significant digits."""
    if p < 0.001:
        return "< 0.001"
    return f"{p:.2g}" if p < 0.01 else f"{p:.2f}"
