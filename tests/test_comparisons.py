"""Part 8's verdicts: a difference counts only beyond the retraining noise band."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.comparisons import BAND_WIDTH, compare, retraining_gap_sd

ACCURACIES = {"LeNet": 99.15, "dense": 98.52, "LeNet, dropout": 99.30, "halved": 98.95}


def test_a_difference_is_judged_against_two_sds_of_the_retraining_gap():
    gap_sd = 0.2  # band ±0.4 points
    assert compare("LeNet", "dense", ACCURACIES, gap_sd).verdict == "LeNet higher"
    assert compare("dense", "LeNet", ACCURACIES, gap_sd).verdict == "dense lower"
    assert compare("LeNet, dropout", "LeNet", ACCURACIES, gap_sd).verdict == "within noise"  # 0.15 < 0.4
    just_inside = compare("LeNet, dropout", "halved", ACCURACIES, 0.35 / BAND_WIDTH)
    assert just_inside.difference == pytest.approx(0.35) and just_inside.band == pytest.approx(0.35)
    assert just_inside.verdict == "within noise"
    assert compare("LeNet, dropout", "halved", ACCURACIES, 0.34 / BAND_WIDTH).verdict == "LeNet, dropout higher"


def test_without_a_measured_noise_there_is_no_verdict():
    result = compare("LeNet", "dense", ACCURACIES, gap_sd=None)
    assert result.band is None and result.verdict == "noise not measured"
    assert result.difference == pytest.approx(0.63)


def test_the_gap_between_two_trainings_scatters_root_two_times_one_training():
    reruns = [99.0, 98.8, 99.3, 99.1, 98.9]
    assert retraining_gap_sd(reruns) == pytest.approx(np.sqrt(2) * np.std(reruns, ddof=1))
    with pytest.raises(ValueError, match="at least 2 reruns"):
        retraining_gap_sd([99.0])
