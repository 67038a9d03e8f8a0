"""Parameter validation: each bad value gets one message naming it."""

from __future__ import annotations

import pytest

from helpers.params import ParameterError, check_count, check_grid, check_run

GOOD = {"profile": "quick", "epochs": 3, "train_size": 6000, "test_size": None, "seed": 1}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("profile", "fast", "profile must be one of"),
        ("epochs", 0, "epochs must be a positive integer"),
        ("epochs", -5, "epochs must be a positive integer"),
        ("epochs", 2.5, "epochs must be a positive integer"),
        ("train_size", 60001, "train_size must be None"),
        ("test_size", 0, "test_size must be None"),
        ("train_size", 50, "at least 100"),
        ("seed", -1, "seed must be"),
    ],
)
def test_check_run_rejects(field, value, message):
    with pytest.raises(ParameterError, match=message):
        check_run(**{**GOOD, field: value})


def test_check_run_accepts_the_profiles():
    check_run(**GOOD)
    check_run(**{**GOOD, "profile": "full", "train_size": None})


@pytest.mark.parametrize(
    ("values", "kind", "message"),
    [
        ([], "rate", "is empty"),
        ([0.1, 0.1], "rate", "repeats"),
        ([0.0, 1.0], "rate", r"in \[0, 1\)"),
        ([-0.1], "rate", r"in \[0, 1\)"),
        ([-1e-3], "penalty", ">= 0"),
        ([0, 32], "width", "positive integer"),
    ],
)
def test_check_grid_rejects(values, kind, message):
    with pytest.raises(ParameterError, match=message):
        check_grid("axis", values, kind=kind)


def test_check_grid_accepts_the_tutorial_grids():
    check_grid("rates", [0, 0.1, 0.2, 0.3, 0.4, 0.5], kind="rate")
    check_grid("l1", [0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2], kind="penalty")
    check_grid("widths", [32, 64, 128, 256], kind="width")


@pytest.mark.parametrize(
    ("value", "minimum", "message"),
    [
        (0, 1, "reruns must be a positive integer, got 0"),
        (1, 2, "reruns must be an integer of at least 2, got 1"),
        (True, 1, "reruns must be a positive integer, got True"),
        (2.0, 2, "reruns must be an integer of at least 2, got 2.0"),
    ],
)
def test_check_count_rejects(value, minimum, message):
    with pytest.raises(ParameterError, match=message):
        check_count("reruns", value, minimum=minimum)


def test_check_count_accepts_enough():
    check_count("reruns", 8, minimum=2)
