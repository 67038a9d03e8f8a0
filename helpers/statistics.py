"""The series' statistics, in one place: accuracies with intervals, two networks compared, noise bands,
verdicts. Every value carries its unit in its type: ``Fraction`` (0..1: an accuracy as Keras reports it,
the share of digits right) or ``Points`` (percentage points: accuracies in %, their differences).

**One network, one test set.** ``accuracy_interval`` (Wilson's interval, or the normal one of per-digit
means when each digit is scored in several settings) and ``accuracy_standard_error``.

**Two networks on the same test digits** (one training each, as parts 11-14 measure them):
``paired_difference`` and its ``PairedDifference`` (interval of the per-digit differences, a verdict of
``VERDICTS``); ``describe_gap`` for a sentence, with ``accuracy_margin`` as the noise of two accuracies
measured on ``n`` digits; ``mcnemar_p`` and ``split_verdict`` for the digits only one of them gets wrong.

**Networks trained several times** (the reruns behind part 8's findings):

A single training is one draw of the initial weights and the dropout masks, so two trainings of the
same network already differ; and every accuracy is measured on one set of 10,000 test digits, which is
itself a sample. Every headline network is trained ten times (``helpers.reruns``), and its reruns
record which test digits each training got right, so both sources of noise can be counted.

For these, accuracies go in as percentages (one value per training); differences, interval ends and
standard deviations come out in points; error rates in % of the test digits.

* ``compare_family`` sets several pairs of networks against each other as one family of tests: for
  each, the difference of mean accuracies with Welch's interval at the Bonferroni level (the intervals
  hold together, 95 % of the time), Welch's p and an exact permutation p, and the permutation p
  adjusted by Holm's method, on which the verdict rests.
* ``new_test_set_interval`` adds the test set's own sampling error: an interval for a crossed
  design of trainings × test digits, each part of the noise counted once.
* ``equivalence_p`` asks whether a number reported elsewhere (the original tutorial's) reproduces:
  two one-sided tests (TOST) against a margin.
* ``prediction_interval`` is where one more training of a network would land.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

#: An accuracy or a share of digits, 0..1.
Fraction = float
#: Percentage points: an accuracy in %, or the difference of two.
Points = float

#: The confidence of every interval, and one minus the error rate of every family of tests.
LEVEL = 0.95
#: The normal quantile of a two-sided ``LEVEL`` interval (1.96).
Z = float(stats.norm.ppf(0.5 + LEVEL / 2))
#: The equivalence margin against the original tutorial's accuracies, in points.
REPRODUCTION_MARGIN = 0.3
#: Above this many splits of the pooled runs, the permutation p is estimated from a random sample of them.
EXACT_SPLITS = 200_000


# --- one network, one test set; two networks on the same test digits ----------------------------------
@dataclass(frozen=True)
class Interval:
    """A value (an accuracy, a mean) and its 95 % confidence interval."""

    value: Fraction
    low: Fraction
    high: Fraction

    def __str__(self) -> str:
        return f"{100 * self.value:.1f} % [{100 * self.low:.1f}, {100 * self.high:.1f}]"


def mean_interval(values: Sequence[float], level: float = LEVEL) -> Interval:
    """The mean of ``values`` with its Student t interval at ``level`` (the values taken as a sample)."""
    values = np.asarray(values, dtype=float)
    half = float(stats.t.ppf(0.5 + level / 2, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values)))
    mean = float(values.mean())
    return Interval(mean, mean - half, mean + half)


def accuracy_interval(correct: np.ndarray, z: float = Z) -> Interval:
    """Accuracy with its confidence interval over the test images.

    ``correct`` shaped ``(n,)``: one trial per image, Wilson's score interval for a binomial proportion.
    ``(n, k)``: ``k`` settings per image (e.g. four shifts of 3 pixels) pooled; the trials of one image
    are not independent, so the interval is the normal one of the mean of the ``n`` per-image scores.
    """
    correct = np.asarray(correct, dtype=float)
    n = correct.shape[0]
    if n == 0:
        raise ValueError("no images")
    if correct.ndim == 1:
        p = correct.mean()
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return Interval(float(p), float(max(0.0, centre - half)), float(min(1.0, centre + half)))
    per_image = correct.mean(axis=tuple(range(1, correct.ndim)))
    p = per_image.mean()
    half = z * per_image.std(ddof=1) / np.sqrt(n) if n > 1 else 0.0
    return Interval(float(p), float(max(0.0, p - half)), float(min(1.0, p + half)))


def intervals(correct: np.ndarray) -> list[Interval]:
    """``accuracy_interval`` of each row of a ``sweep`` result (one per strength)."""
    return [accuracy_interval(row) for row in correct]


#: The verdicts of ``PairedDifference``, in the order a page lists them.
VERDICTS = ("higher", "within noise", "lower")


@dataclass(frozen=True)
class PairedDifference:
    """Accuracy of ``a`` minus that of ``b`` on the same images, its 95 % interval, and the verdict."""

    difference: Fraction  # accuracy of a − of b
    low: Fraction
    high: Fraction

    @property
    def verdict(self) -> str:
        """``"higher"`` or ``"lower"`` when the interval excludes 0, ``"within noise"`` otherwise."""
        if self.low > 0:
            return "higher"
        if self.high < 0:
            return "lower"
        return "within noise"

    def points(self) -> str:
        """The difference in percentage points, signed, e.g. ``+12.3 points``."""
        return f"{100 * self.difference:+.1f} points"


def paired_difference(correct_a: np.ndarray, correct_b: np.ndarray, z: float = Z) -> PairedDifference:
    """Paired comparison of two networks on the same images: the difference of their accuracies.

    Both arrays are shaped ``(n,)`` or ``(n, k)`` (``k`` settings per image, pooled per image). The
    interval is the normal one of the mean of the per-image differences, which accounts for the two
    networks being right and wrong on largely the same images.
    """
    a, b = (np.asarray(c, dtype=float) for c in (correct_a, correct_b))
    if a.shape != b.shape:
        raise ValueError(f"the two networks must be scored on the same images, got {a.shape} and {b.shape}")
    per_image = (a - b).reshape(len(a), -1).mean(axis=1)
    difference = float(per_image.mean())
    half = float(z * per_image.std(ddof=1) / np.sqrt(len(per_image))) if len(per_image) > 1 else 0.0
    return PairedDifference(difference, difference - half, difference + half)


def accuracy_margin(first: Fraction, second: Fraction, n: int) -> Fraction:
    """Twice the standard error of the difference of two accuracies, each measured on ``n`` digits.

    Treats the two as independent samples, which overstates the noise of two scores of the same
    digits: a gap beyond this margin is a real difference on any reading.
    """
    return 2 * float(np.sqrt((first * (1 - first) + second * (1 - second)) / n))


def describe_gap(value: float, other: float, *, margin: float) -> str:
    """'higher than', 'lower than' or 'about the same as': ``value`` against ``other``, ``margin`` as noise."""
    if abs(value - other) <= margin:
        return "about the same as"
    return "higher than" if value > other else "lower than"


def describe_accuracy_gap(value: Fraction, other: Fraction, n: int) -> str:
    """``describe_gap`` for two accuracies measured on ``n`` digits each, with ``accuracy_margin`` as the noise."""
    return describe_gap(value, other, margin=accuracy_margin(value, other, n))


def mcnemar_p(only_first: int, only_second: int) -> float:
    """Exact McNemar test: the two-sided p-value of splits this uneven between the digits only the first
    and only the second network gets wrong, were both equally likely to err on such a digit."""
    total = only_first + only_second
    if total == 0:
        return 1.0
    return float(stats.binomtest(only_first, total, 0.5).pvalue)


def split_verdict(only_first: int, only_second: int, *, names: tuple[str, str], level: float = 1 - LEVEL) -> str:
    """Whether the digits only one network gets wrong lean to one side more than chance would explain.

    ``names`` name the first and second network; the test is ``mcnemar_p`` at ``level``.
    """
    p = mcnemar_p(only_first, only_second)
    if p >= level:
        return f"a split that chance alone could produce (McNemar p = {p:.2g})"
    worse = names[0] if only_first > only_second else names[1]
    return f"too uneven for chance (McNemar p = {p:.2g}); the {worse} network makes more of these mistakes"


# --- networks trained several times -------------------------------------------------------------------
@dataclass(frozen=True)
class FamilyComparison:
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
) -> dict[str, FamilyComparison]:
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
        name: FamilyComparison(*row[:7], p_adjusted=p, error_first=float(row[7]), error_second=float(row[8]))
        for (name, row), p in zip(rows.items(), adjusted, strict=True)
    }


def difference_variance(correct_first: np.ndarray, correct_second: np.ndarray) -> tuple[float, float]:
    """The variance of the difference of two networks' mean accuracies over new trainings and a new test set
    of the same size, and its degrees of freedom (Satterthwaite).

    ``correct_*`` are outcomes, trainings × test digits (``Reruns.test_correct``: booleans), both networks
    scored on the same digits. Each network's outcomes are read as a crossed design: a training's own level,
    a digit's own difficulty, and what is left (training × digit). The variance is

        var(training accuracies)₁ / n₁ + var(training accuracies)₂ / n₂ + var_digits(d) / C,

    where the first two terms already hold the training × digit noise once, and ``var_digits(d)`` is the
    variance across the C digits of the difference of the two networks' per-digit mean outcomes, less
    the training × digit noise it also holds, so that nothing is counted twice. What both networks find
    hard cancels in ``d``. Fractions squared; at least 2 trainings of the first network. The second may
    be one network taken as it is (one row: a saved network, not its architecture): its own training is
    then no sample, and its training × digit noise is part of what its digits' differences vary by.
    """
    a, b = np.asarray(correct_first, dtype=float), np.asarray(correct_second, dtype=float)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"both networks must be scored on the same test digits: {a.shape} against {b.shape}")
    (n1, digits), n2 = a.shape, len(b)
    if n1 < 2 or n2 < 1:
        raise ValueError(
            f"the variance needs at least 2 trainings of the first network and 1 of the second, got {n1} and {n2}"
        )

    def trainings_and_noise(outcomes: np.ndarray) -> tuple[float, float]:
        """The variance of the mean over its trainings, and its training × digit variance: the spread across
        trainings at one digit, less the trainings' own (both 0 for one network taken as it is)."""
        count = len(outcomes)
        if count == 1:
            return 0.0, 0.0
        accuracy = outcomes.mean(axis=1)
        noise = (outcomes.var(axis=0, ddof=1).mean() - accuracy.var(ddof=1)) * digits / (digits - 1)
        return float(accuracy.var(ddof=1) / count), float(noise)

    (trainings_1, noise_1), (trainings_2, noise_2) = trainings_and_noise(a), trainings_and_noise(b)
    per_digit = a.mean(axis=0) - b.mean(axis=0)
    digits_part = max(per_digit.var(ddof=1) - noise_1 / n1 - noise_2 / n2, 0.0) / digits
    variance = trainings_1 + trainings_2 + digits_part
    if variance == 0:
        return 0.0, math.inf
    parts = trainings_1**2 / (n1 - 1) + (trainings_2**2 / (n2 - 1) if n2 > 1 else 0.0) + digits_part**2 / (digits - 1)
    return float(variance), float(variance**2 / parts)


def new_test_set_interval(
    correct_first: np.ndarray, correct_second: np.ndarray, *, level: float = LEVEL
) -> tuple[float, float]:
    """The ``level`` interval (points) of the difference of two networks' mean accuracies, counting both the
    trainings and the test digits as samples: t·√(``difference_variance``)."""
    variance, freedom = difference_variance(correct_first, correct_second)
    difference = 100 * (np.mean(correct_first) - np.mean(correct_second))
    half = 100 * stats.t.ppf(0.5 + level / 2, freedom) * math.sqrt(variance) if variance else 0.0
    return float(difference - half), float(difference + half)


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


def bootstrap_interval(
    samples: Sequence[Sequence[float]],
    statistic: Callable[..., float],
    *,
    level: float = LEVEL,
    resamples: int = 10_000,
    seed: int = 0,
) -> tuple[float, float]:
    """The percentile bootstrap interval of ``statistic(*samples)``: each sample (e.g. one network's
    accuracies over its trainings) redrawn with replacement, independently of the others, ``resamples``
    times. For a statistic no formula covers, such as a ratio of error rates; with five values a sample
    it is rough, and slightly too narrow."""
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(sample, dtype=float) for sample in samples]
    drawn = [statistic(*(array[rng.integers(0, len(array), len(array))] for array in arrays)) for _ in range(resamples)]
    low, high = np.quantile(drawn, [0.5 - level / 2, 0.5 + level / 2])
    return float(low), float(high)


def prediction_interval(runs: Sequence[float]) -> tuple[float, float]:
    """Where one more training would land (``LEVEL`` of the time), from several runs: mean ± t·s·√(1 + 1/n)."""
    values = np.asarray(runs, dtype=float)
    count = len(values)
    if count < 2:
        raise ValueError(f"a prediction interval needs at least 2 runs, got {count}")
    half = stats.t.ppf(0.5 + LEVEL / 2, count - 1) * values.std(ddof=1) * np.sqrt(1 + 1 / count)
    return float(values.mean() - half), float(values.mean() + half)


def noise_band(sd: Points) -> Points:
    """How far apart two trainings of one network land, given the s.d. of its trainings: 2·√2·s.

    With the true s.d. in place of ``s`` that would hold 95 % of the time; with ``s`` measured from
    ten trainings, about 92 % (Student's t with 9 degrees of freedom), as the pages say.
    """
    return float(2 * np.sqrt(2) * sd)


def accuracy_standard_error(accuracy: float, test_images: int) -> float:
    """The standard error of an accuracy (a fraction) measured on ``test_images`` digits: √(p(1-p)/n)."""
    return (accuracy * (1 - accuracy) / test_images) ** 0.5


def rank_correlation(first: Sequence[float], second: Sequence[float]) -> float:
    """Spearman's ρ: how well the order of ``first`` predicts the order of ``second`` (1: the same order)."""
    return float(stats.spearmanr(first, second).statistic)


def format_p(p: float) -> str:
    """A p-value as a statistician writes it: ``< 0.001`` below a thousandth, two significant digits below
    0.01, else three decimals below 0.1 (cut, not rounded, so that nothing below 0.05 prints as 0.050)
    and two above."""
    if p < 0.001:
        return "< 0.001"
    if p < 0.01:
        return f"{p:.2g}"
    if p < 0.1:
        return f"{math.floor(p * 1000) / 1000:.3f}"
    return f"{p:.2f}"
