"""Part 8's statistics, each against a case known by hand or in closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from helpers import statistics
from helpers.statistics import (
    compare_family,
    equivalence_p,
    format_p,
    holm,
    new_test_set_interval,
    permutation_p,
    prediction_interval,
    welch,
)

RUNS = {
    "LeNet": [99.05, 99.10, 98.95, 99.20, 99.00],
    "dense": [98.40, 98.55, 98.50, 98.35, 98.60],
    "LeNet, dropout": [99.10, 99.00, 99.25, 98.95, 99.15],
}


def test_permutation_p_of_a_tiny_case_counted_by_hand():
    # {1, 2} against {3, 4}: of the 6 splits of {1, 2, 3, 4} into two pairs, {1, 2}|{3, 4} and {3, 4}|{1, 2}
    # have a difference of means of ±2, the largest: p = 2/6.
    assert permutation_p([1, 2], [3, 4]) == pytest.approx(1 / 3)
    # {1, 3} against {2, 4}: |difference| 1; the splits with |difference| ≥ 1 are 4 of 6.
    assert permutation_p([1, 3], [2, 4]) == pytest.approx(4 / 6)
    # ten against ten, completely separated: the two extreme splits of C(20, 10)
    assert permutation_p(range(10), range(10, 20)) == pytest.approx(2 / math.comb(20, 10))


def test_permutation_p_above_the_exact_limit_is_estimated_close_to_the_exact_one(monkeypatch):
    a, b = [1.0, 2.5, 3.0, 4.2], [2.0, 3.5, 4.0, 5.1, 6.0]
    exact = permutation_p(a, b)
    monkeypatch.setattr(statistics, "EXACT_SPLITS", 20_000)
    monkeypatch.setattr(math, "comb", lambda *_: 10**9)  # pretend the splits are too many to list
    sampled = permutation_p(a, b, rng=np.random.default_rng(1))
    assert sampled == pytest.approx(exact, abs=0.01) and sampled != exact


def test_holm_on_a_textbook_example():
    # p = 0.01, 0.04, 0.03, 0.005 (m = 4): sorted 0.005, 0.01, 0.03, 0.04 → ×4, ×3, ×2, ×1 = 0.02, 0.03, 0.06,
    # 0.04, then the running maximum makes the last 0.06.
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # capped at 1


def test_welchs_interval_not_the_pooled_one():
    a, b = np.array([1.0, 3.0, 5.0, 7.0, 9.0]), np.array([4.9, 5.0, 5.1])
    low, high, _ = welch(a, b, 0.9)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = stats.t.ppf(0.95, dof) * np.sqrt(va + vb)
    assert (low, high) == pytest.approx((a.mean() - b.mean() - half, a.mean() - b.mean() + half))
    with pytest.raises(ValueError, match="at least 2 runs"):
        welch([99.0], [98.0, 98.5])


def test_a_family_adjusts_its_p_values_and_widens_its_intervals():
    pairs = {"convolutions": ("LeNet", "dense"), "dropout": ("LeNet, dropout", "LeNet")}
    family = compare_family(pairs, RUNS)
    conv, drop = family["convolutions"], family["dropout"]
    assert conv.difference == pytest.approx(np.mean(RUNS["LeNet"]) - np.mean(RUNS["dense"]))
    assert conv.verdict == "LeNet higher" and drop.verdict == "within noise"
    assert [conv.p_adjusted, drop.p_adjusted] == pytest.approx(holm([conv.p_permutation, drop.p_permutation]))
    assert conv.p_permutation == pytest.approx(2 / math.comb(10, 5))  # fully separated runs
    single_low, single_high, _ = welch(RUNS["LeNet"], RUNS["dense"])
    assert conv.low < single_low and conv.high > single_high  # simultaneous: the 97.5 % interval
    assert (conv.low, conv.high) == pytest.approx(welch(RUNS["LeNet"], RUNS["dense"], 0.975)[:2])
    reversed_family = compare_family({"convolutions": ("dense", "LeNet")}, RUNS)
    assert reversed_family["convolutions"].verdict == "dense lower"


def test_the_verdict_rests_on_the_adjusted_p():
    # a against b alone: permutation p = 10/252 ≈ 0.040, a verdict; in a family of two whose other test is
    # far from significant, Holm doubles it to 0.079: within noise.
    runs = {"a": [1.0, 2.0, 3.0, 4.0, 5.0], "b": [4.0, 5.0, 6.0, 7.0, 8.0], "c": [2.0, 3.0, 4.0, 5.0, 6.0]}
    alone = compare_family({"x": ("b", "a")}, runs)["x"]
    assert alone.p_permutation == pytest.approx(10 / 252) and alone.verdict == "b higher"
    family = compare_family({"x": ("b", "a"), "y": ("c", "a")}, runs)
    assert family["x"].p_permutation == pytest.approx(10 / 252)
    assert family["x"].p_adjusted == pytest.approx(20 / 252) and family["x"].verdict == "within noise"


def test_error_rates_and_the_relative_reduction():
    family = compare_family({"f": ("LeNet", "dense")}, {"LeNet": [99.06, 99.08], "dense": [98.39, 98.41]})
    assert family["f"].error_first == pytest.approx(0.93) and family["f"].error_second == pytest.approx(1.60)
    assert family["f"].fewer_errors == pytest.approx(100 * (1.60 - 0.93) / 1.60)  # about 42 % fewer


def _crossed(rng, trainings, digits, *, training_sd, digit_sd, shared_sd, noise_sd):
    """Two networks' outcomes from a crossed design with known parts: a training's level, a digit's difficulty
    for this network, one shared by both networks, and training × digit noise."""
    shared = rng.normal(0, shared_sd, digits)
    return [
        rng.normal(0, training_sd, (trainings, 1))
        + rng.normal(0, digit_sd, (1, digits))
        + shared
        + rng.normal(0, noise_sd, (trainings, digits))
        for _ in range(2)
    ]


def test_the_difference_variance_counts_each_part_of_the_noise_once():
    # The difference of the means over new trainings and new digits has the variance
    # 2·(σ_t²/n + σ_d²/C + σ_e²/(n·C)); the digits' shared difficulty cancels. Averaged over simulated
    # data sets, the estimate must find it (counting σ_e twice, or leaving out σ_d, is off by 50 % here).
    rng = np.random.default_rng(7)
    n, digits = 10, 2000
    settings = dict(training_sd=0.002, digit_sd=0.08, shared_sd=1.0, noise_sd=0.3)
    truth = 2 * (0.002**2 / n + 0.08**2 / digits + 0.3**2 / (n * digits))
    estimates = [statistics.difference_variance(*_crossed(rng, n, digits, **settings))[0] for _ in range(200)]
    assert np.mean(estimates) == pytest.approx(truth, rel=0.05)


def test_against_one_saved_network_its_training_is_no_sample():
    # The second network taken as it is (one training): the variance of the difference over new trainings of
    # the first and new digits is σ_t²/n + 2σ_d²/C + σ_e²/(n·C) + σ_e²/C, its training × digit noise now a
    # property of each new digit.
    rng = np.random.default_rng(11)
    n, digits = 10, 2000
    settings = dict(training_sd=0.002, digit_sd=0.08, shared_sd=1.0, noise_sd=0.3)
    truth = 0.002**2 / n + 2 * 0.08**2 / digits + 0.3**2 / (n * digits) + 0.3**2 / digits
    estimates = []
    for _ in range(200):
        first, second = _crossed(rng, n, digits, **settings)
        estimates.append(statistics.difference_variance(first, second[:1])[0])
    assert np.mean(estimates) == pytest.approx(truth, rel=0.05)


def test_the_interval_is_t_times_the_root_of_that_variance():
    rng = np.random.default_rng(1)
    first, second = (rng.random((3, 500)) < p for p in (0.9, 0.8))
    variance, freedom = statistics.difference_variance(first, second)
    low, high = new_test_set_interval(first, second, level=0.9)
    half = 100 * stats.t.ppf(0.95, freedom) * np.sqrt(variance)
    middle = 100 * (first.mean() - second.mean())
    assert (low, high) == pytest.approx((middle - half, middle + half))


def test_what_both_networks_get_right_or_wrong_together_cancels():
    # Both networks' trainings right on exactly the same digits: nothing varies, the interval is the point 0.
    correct = np.tile(np.random.default_rng(0).random(500) < 0.8, (3, 1))
    assert new_test_set_interval(correct, correct.copy()) == (0.0, 0.0)
    with pytest.raises(ValueError, match="same test digits"):
        new_test_set_interval(correct, correct[:, :400])
    with pytest.raises(ValueError, match="at least 2 trainings"):
        new_test_set_interval(correct[:1], correct)


def test_equivalence_p_against_the_closed_form():
    # Three runs 99.0, 99.1, 99.2 (mean 99.1, s 0.1) against a reference 99.0 with margin 0.3:
    # scale 0.1·√(4/3); the binding side is gap − margin = −0.2: p = P(t₂ < −0.2/scale).
    runs = [99.0, 99.1, 99.2]
    scale = 0.1 * math.sqrt(4 / 3)
    t = -0.2 / scale
    closed_form = 0.5 * (1 + t / math.sqrt(2 + t * t))  # the t distribution's CDF with 2 degrees of freedom
    assert equivalence_p(runs, 99.0) == pytest.approx(closed_form)
    assert equivalence_p(runs, 99.1) < equivalence_p(runs, 99.0) < equivalence_p(runs, 98.7)
    assert equivalence_p(runs, 98.0) > 0.95  # far outside the margin


def test_prediction_interval_for_one_more_run():
    runs = RUNS["LeNet"]
    low, high = prediction_interval(runs)
    half = stats.t.ppf(0.975, 4) * np.std(runs, ddof=1) * np.sqrt(1 + 1 / 5)
    assert (low, high) == pytest.approx((np.mean(runs) - half, np.mean(runs) + half))
    with pytest.raises(ValueError, match="at least 2 runs"):
        prediction_interval([99.0])


def test_p_values_printed_as_a_statistician_would():
    assert format_p(1.1e-5) == "< 0.001" and format_p(0.0009) == "< 0.001"
    assert format_p(0.0027) == "0.0027" and format_p(0.053) == "0.053" and format_p(0.41) == "0.41"
    assert format_p(0.0496) == "0.049" and format_p(0.0504) == "0.050"  # never rounded across 0.05


# --- one network, and two on the same digits -----------------------------------------------------------------


def test_wilson_interval_of_a_proportion():
    interval = statistics.accuracy_interval(np.array([True] * 8 + [False] * 2))
    assert interval.value == pytest.approx(0.8)
    assert (interval.low, interval.high) == pytest.approx((0.4902, 0.9433), abs=1e-4)  # Wilson, z = 1.96
    perfect = statistics.accuracy_interval(np.ones(100, bool))
    assert perfect.high == 1.0 and 0.95 < perfect.low < 0.97  # not the degenerate [1, 1] of the normal interval
    assert str(interval) == "80.0 % [49.0, 94.3]"


def test_pooled_settings_give_the_interval_of_per_image_means():
    rng = np.random.default_rng(0)
    correct = rng.random((400, 4)) < 0.7
    interval = statistics.accuracy_interval(correct)
    per_image = correct.mean(axis=1)
    assert interval.value == pytest.approx(per_image.mean())
    half = 1.959964 * per_image.std(ddof=1) / np.sqrt(400)
    assert (interval.low, interval.high) == pytest.approx((per_image.mean() - half, per_image.mean() + half))
    # four copies of one verdict per image are one trial, not four: the interval is not narrower
    single = statistics.accuracy_interval(correct[:, 0])
    copies = statistics.accuracy_interval(np.repeat(correct[:, :1], 4, axis=1))
    assert copies.high - copies.low == pytest.approx(single.high - single.low, rel=0.05)


def test_paired_comparison_and_its_verdict():
    rng = np.random.default_rng(1)
    a = rng.random(2000) < 0.9
    worse = a & (rng.random(2000) < 0.9)  # wrong wherever a is, and on 10 % more
    assert (
        statistics.paired_difference(a, worse).verdict == "higher"
        and statistics.paired_difference(worse, a).verdict == "lower"
    )
    assert (
        statistics.paired_difference(a, a).difference == 0
        and statistics.paired_difference(a, a).verdict == "within noise"
    )
    slightly = a.copy()
    slightly[np.flatnonzero(a)[:3]] = False  # 3 images in 2000: not a difference one can claim
    assert statistics.paired_difference(a, slightly).verdict == "within noise"
    assert statistics.paired_difference(a, worse).points().startswith("+")
    with pytest.raises(ValueError, match="same images"):
        statistics.paired_difference(a, a[:10])


def test_verdicts_compare_against_the_noise_and_test_uneven_splits():
    margin = statistics.accuracy_margin(0.98, 0.99, 10_000)
    assert margin == pytest.approx(2 * np.sqrt((0.98 * 0.02 + 0.99 * 0.01) / 10_000))
    assert statistics.describe_gap(0.99, 0.98, margin=margin) == "higher than"
    assert statistics.describe_gap(0.98, 0.99, margin=margin) == "lower than"
    assert statistics.describe_gap(0.981, 0.98, margin=margin) == "about the same as"
    assert statistics.describe_accuracy_gap(0.99, 0.98, 10_000) == "higher than"
    assert statistics.describe_accuracy_gap(0.99, 0.98, 1_000) == "about the same as"  # 1,000 digits cannot tell
    assert statistics.mcnemar_p(0, 10) == pytest.approx(2 * 0.5**10)
    assert statistics.mcnemar_p(5, 5) == 1.0 and statistics.mcnemar_p(0, 0) == 1.0
    assert "chance alone" in statistics.split_verdict(6, 4, names=("dense", "LeNet"))
    assert "the dense network makes more" in statistics.split_verdict(40, 10, names=("dense", "LeNet"))
    assert "the LeNet network makes more" in statistics.split_verdict(10, 40, names=("dense", "LeNet"))


def test_the_noise_band_of_two_trainings():
    assert statistics.noise_band(0.1) == pytest.approx(0.2828, abs=1e-4)


def test_mean_interval_is_students_t():
    # 1, 2, 3: mean 2, s.d. 1, t(0.975; 2 d.f.) = 4.3027, so the half-width is 4.3027 / sqrt(3) = 2.4841.
    interval = statistics.mean_interval([1.0, 2.0, 3.0])
    assert interval.value == 2.0
    assert (interval.low, interval.high) == pytest.approx((2 - 2.4841, 2 + 2.4841), abs=1e-4)


def test_the_bootstrap_interval_of_a_mean_is_close_to_the_t_interval():
    values = np.random.default_rng(3).normal(10.0, 2.0, 200)
    low, high = statistics.bootstrap_interval([values], np.mean, resamples=4000)
    t_interval = statistics.mean_interval(values)
    assert low == pytest.approx(t_interval.low, abs=0.05) and high == pytest.approx(t_interval.high, abs=0.05)


def test_the_bootstrap_redraws_each_sample_on_its_own():
    # Two constant samples: every redraw gives the same statistic, the interval is a point.
    assert statistics.bootstrap_interval([[1.0, 1.0], [3.0, 3.0]], lambda a, b: b.mean() - a.mean()) == (2.0, 2.0)
    low, high = statistics.bootstrap_interval([[0.0, 1.0], [5.0, 5.0]], lambda a, b: b.mean() - a.mean())
    assert (low, high) == (4.0, 5.0)
