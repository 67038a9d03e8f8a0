"""Whether two networks differ by more than retraining noise: the verdicts of part 8.

A single training is one draw of the initial weights and the dropout masks, so two trainings of the
same network already differ. Every headline network is trained five times (``helpers.reruns``), and
a comparison uses all of them:

* ``compare`` sets two networks' reruns against each other with Welch's t-test (which does not
  assume equal spreads) and its 95 % confidence interval for the difference of the mean accuracies.
  The difference exceeds noise when that interval leaves out zero.
* ``prediction_interval`` is where one more training of a network would land, 19 times in 20: the
  yardstick for a single number from elsewhere, such as the original tutorial's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

#: The confidence of every interval in the comparisons.
LEVEL = 0.95


@dataclass(frozen=True)
class Comparison:
    """``first`` against ``second``: the difference of their mean accuracies (points) and its interval."""

    first: str
    second: str
    difference: float
    low: float
    high: float
    p_value: float

    @property
    def verdict(self) -> str:
        """``"<first> higher"`` or ``"<first> lower"`` when the interval leaves out zero, else ``"within noise"``."""
        if self.low > 0:
            return f"{self.first} higher"
        if self.high < 0:
            return f"{self.first} lower"
        return "within noise"


def compare(first: str, second: str, accuracies: dict[str, Sequence[float]]) -> Comparison:
    """Welch's t-test of ``accuracies[first]`` against ``accuracies[second]`` (each several runs, in %)."""
    a, b = (np.asarray(accuracies[name], dtype=float) for name in (first, second))
    for name, runs in ((first, a), (second, b)):
        if len(runs) < 2:
            raise ValueError(f"{name}: a comparison needs at least 2 runs, got {len(runs)}")
    test = stats.ttest_ind(a, b, equal_var=False)
    interval = test.confidence_interval(LEVEL)
    return Comparison(
        first, second, float(a.mean() - b.mean()), float(interval.low), float(interval.high), float(test.pvalue)
    )


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
