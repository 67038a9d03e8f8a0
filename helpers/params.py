"""Validation of each part's papermill parameters: one clear message per bad value."""

from __future__ import annotations

from collections.abc import Sequence

PROFILES = ("quick", "full")
TRAIN_IMAGES = 60000
TEST_IMAGES = 10000


class ParameterError(ValueError):
    """A parameter of a part is out of range; the message names it and the accepted values."""


def check_run(*, profile: str, epochs: int, train_size: int | None, test_size: int | None, seed: int) -> None:
    """Check the parameters every part has."""
    if profile not in PROFILES:
        raise ParameterError(f"profile must be one of {PROFILES}, got {profile!r}")
    check_count("epochs", epochs)
    for name, size, limit in (("train_size", train_size, TRAIN_IMAGES), ("test_size", test_size, TEST_IMAGES)):
        if size is not None and (not isinstance(size, int) or not 0 < size <= limit):
            raise ParameterError(f"{name} must be None (all images) or an integer in 1..{limit}, got {size!r}")
    if train_size is not None and train_size < 100:
        raise ParameterError(
            f"train_size must be at least 100 so the 10 % validation split is usable, got {train_size}"
        )
    if not isinstance(seed, int) or seed < 0:
        raise ParameterError(f"seed must be a non-negative integer, got {seed!r}")


def check_count(name: str, value: int, *, minimum: int = 1) -> None:
    """A count (epochs, reruns): an integer of at least ``minimum``."""
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        wanted = "a positive integer" if minimum == 1 else f"an integer of at least {minimum}"
        raise ParameterError(f"{name} must be {wanted}, got {value!r}")


def check_grid(name: str, values: Sequence[float], *, kind: str) -> None:
    """A grid axis: non-empty, no repeats, and each value valid for its ``kind``.

    ``kind`` is ``"rate"`` (dropout, in [0, 1)), ``"penalty"`` (L1/L2 coefficient, >= 0) or
    ``"width"`` (number of neurons, positive integer).
    """
    if len(values) == 0:
        raise ParameterError(f"{name} is empty: give at least one value")
    if len(set(values)) != len(values):
        raise ParameterError(f"{name} repeats a value: {list(values)}")
    checks = {
        "rate": (lambda v: isinstance(v, int | float) and 0 <= v < 1, "dropout rates in [0, 1)"),
        "penalty": (lambda v: isinstance(v, int | float) and v >= 0, "penalties >= 0"),
        "width": (lambda v: isinstance(v, int) and v > 0, "positive integer widths"),
    }
    is_valid, wanted = checks[kind]
    bad = [v for v in values if not is_valid(v)]
    if bad:
        raise ParameterError(f"{name} must hold {wanted}; these are not: {bad}")
