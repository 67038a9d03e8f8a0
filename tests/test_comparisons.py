"""Part 8's verdicts: Welch's interval for a difference of means, a prediction interval for one more run."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from helpers.comparisons import compare, prediction_interval

RUNS = {
    "LeNet": [99.05, 99.10, 98.95, 99.20, 99.00],
    "dense": [98.40, 98.55, 98.50, 98.35, 98.60],
    "LeNet, dropout": [99.10, 99.00, 99.25, 98.95, 99.15],
}


def test_a_clear_gap_gets_a_direction_and_overlapping_runs_are_within_noise():
    higher = compare("LeNet", "dense", RUNS)
    assert higher.difference == pytest.approx(np.mean(RUNS["LeNet"]) - np.mean(RUNS["dense"]))
    assert higher.low > 0 and higher.verdict == "LeNet higher"
    assert compare("dense", "LeNet", RUNS).verdict == "dense lower"
    same = compare("LeNet, dropout", "LeNet", RUNS)
    assert same.low < 0 < same.high and same.verdict == "within noise" and same.p_value > 0.05


def test_the_interval_is_welchs_not_the_pooled_one():
    wide = {"a": [1.0, 3.0, 5.0, 7.0, 9.0], "b": [4.9, 5.0, 5.1]}
    result = compare("a", "b", wide)
    a, b = np.array(wide["a"]), np.array(wide["b"])
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = stats.t.ppf(0.975, dof) * np.sqrt(va + vb)
    assert (result.low, result.high) == pytest.approx((a.mean() - b.mean() - half, a.mean() - b.mean() + half))


def test_a_comparison_needs_two_runs_of_each():
    with pytest.raises(ValueError, match="at least 2 runs"):
        compare("LeNet", "one", {**RUNS, "one": [99.0]})


def test_prediction_interval_for_one_more_run():
    runs = RUNS["LeNet"]
    low, high = prediction_interval(runs)
    half = stats.t.ppf(0.975, 4) * np.std(runs, ddof=1) * np.sqrt(1 + 1 / 5)
    assert (low, high) == pytest.approx((np.mean(runs) - half, np.mean(runs) + half))
    with pytest.raises(ValueError, match="at least 2 runs"):
        prediction_interval([99.0])
