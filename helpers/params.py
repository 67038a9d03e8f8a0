"""A part's parameters: checked once, recorded with the results, and where its outputs go.

Every part starts with ``run = start_run(PART, profile=..., output_dir=..., seed=..., ...)`` right
after its parameters cell. The build (``make notebooks``) passes ``output_dir`` and ``profile``; a
learner running the part by hand leaves ``output_dir = None`` and the part writes to the scratch
folder ``executed/interactive/``, never to the published ``executed/full/`` or ``executed/quick/``.
Bad values stop the part before any training with one ``ParameterError`` naming the parameter.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.data import PROJECT_ROOT

PROFILES = ("quick", "full")
TRAIN_IMAGES = 60000
TEST_IMAGES = 10000
EXECUTED = PROJECT_ROOT / "executed"
#: Where parts run by hand (JupyterLab, no papermill) write; git ignores it.
SCRATCH = EXECUTED / "interactive"
#: Set by the build runner (helpers/build/run.py) in the kernel's environment: the profile it builds.
BUILD_PROFILE_VARIABLE = "SERIES_BUILD_PROFILE"


class ParameterError(ValueError):
    """A parameter of a part is out of range; the message names it and the accepted values."""


@dataclass(frozen=True)
class Run:
    """One run of a part: its label, its output folder and every parameter it was given."""

    part: str
    profile: str  # "full" or "quick" when the build runs the part, "interactive" when run by hand
    output_dir: Path
    parameters: dict[str, Any]
    started: float = field(default_factory=time.perf_counter)

    @property
    def published_profile(self) -> str:
        """The profile whose published results a by-hand run may read (it never writes them)."""
        return self.parameters["profile"]

    def elapsed(self) -> float:
        """Seconds since the run started."""
        return time.perf_counter() - self.started


def start_run(part: str, *, profile: str, output_dir: str | None, **parameters: Any) -> Run:
    """Check the parameters every part has, decide where outputs go, and seed everything.

    ``parameters`` are all the part's other parameters (they are recorded with its results); those
    most parts share (``COMMON_CHECKS``: seed, epochs, subset sizes) are checked here, the part checks
    its own with the ``check_*`` functions below.
    """
    check_choice("profile", profile, PROFILES)
    for name, value in parameters.items():
        if name in COMMON_CHECKS:
            COMMON_CHECKS[name](name, value)
    building = os.environ.get(BUILD_PROFILE_VARIABLE)
    if output_dir is None:
        folder, label = SCRATCH, "interactive"
        print(
            f"Run by hand: outputs go to {SCRATCH.relative_to(PROJECT_ROOT)}/ (the published results in "
            f"executed/{profile}/ are only read). `make notebooks` is what rebuilds the series."
        )
    else:
        folder, label = Path(output_dir).resolve(), profile
        published = {(EXECUTED / name).resolve() for name in PROFILES}
        if folder in published and building != profile:
            raise ParameterError(
                f"output_dir {output_dir!r} is where `make notebooks` publishes the {profile} profile: "
                "set output_dir = None to write to executed/interactive/ instead"
            )
    if "seed" in parameters:
        # Imported here: the checks above stay usable without TensorFlow (the build's `make status`).
        from helpers.training import seed_everything

        seed_everything(parameters["seed"])
    return Run(part, label, folder, {"profile": profile, **parameters})


def check_size(name: str, value: int | None, limit: int) -> None:
    """A subset size: ``None`` (all images) or an integer in ``1..limit``."""
    if value is not None and (not _is_int(value) or not 0 < value <= limit):
        raise ParameterError(f"{name} must be None (all images) or an integer in 1..{limit}, got {value!r}")


def check_train_size(name: str, value: int | None) -> None:
    """The training subset: like ``check_size``, and large enough for a usable 10 % validation split."""
    check_size(name, value, TRAIN_IMAGES)
    if value is not None and value < 100:
        raise ParameterError(f"{name} must be at least 100 so the 10 % validation split is usable, got {value}")


def check_choice(name: str, value: Any, choices: Sequence[Any]) -> None:
    """One of a few accepted values."""
    if value not in choices:
        raise ParameterError(f"{name} must be one of {list(choices)}, got {value!r}")


def check_count(name: str, value: int, *, minimum: int = 1) -> None:
    """A count (epochs, reruns, seed): an integer of at least ``minimum``."""
    if not _is_int(value) or value < minimum:
        wanted = "a positive integer" if minimum == 1 else f"an integer of at least {minimum}"
        raise ParameterError(f"{name} must be {wanted}, got {value!r}")


def check_optional_count(name: str, value: int | None) -> None:
    """A speed setting such as ``workers`` or ``models_per_graph``: ``None`` (picked for the hardware) or >= 1."""
    if value is not None and (not _is_int(value) or value < 1):
        raise ParameterError(f"{name} must be None (picked for this machine) or a positive integer, got {value!r}")


#: Grid axis kinds: a test of one value and what the message calls a valid one.
_KINDS = {
    "rate": (lambda v: _is_number(v) and 0 <= v < 1, "dropout rates in [0, 1)"),
    "penalty": (lambda v: _is_number(v) and v >= 0, "penalties >= 0"),
    "width": (lambda v: _is_int(v) and v > 0, "positive integer widths"),
}


def check_grid(name: str, values: Sequence[float], *, kind: str) -> None:
    """A grid axis: a non-empty list, no repeats, and each value valid for its ``kind``.

    ``kind`` is ``"rate"`` (dropout, in [0, 1)), ``"penalty"`` (L1/L2 coefficient, >= 0) or
    ``"width"`` (number of neurons, positive integer).
    """
    is_valid, wanted = _KINDS[kind]
    if not isinstance(values, list | tuple):
        raise ParameterError(f"{name} must be a list of {wanted}, e.g. [{values!r}], got {values!r}")
    if len(values) == 0:
        raise ParameterError(f"{name} is empty: give at least one value")
    bad = [v for v in values if not is_valid(v)]
    if bad:
        raise ParameterError(f"{name} must hold {wanted}; these are not: {bad}")
    if len(set(values)) != len(values):
        raise ParameterError(f"{name} repeats a value: {list(values)}")


def check_value(name: str, value: float, *, kind: str) -> None:
    """A single value of a grid ``kind`` (see ``check_grid``), e.g. a fixed penalty or the width to train."""
    is_valid, wanted = _KINDS[kind]
    if not is_valid(value):
        raise ParameterError(f"{name} must be one of the {wanted}, got {value!r}")


#: The checks of the parameters that most parts share, applied by ``start_run``.
COMMON_CHECKS: dict[str, Callable[[str, Any], None]] = {
    "seed": functools.partial(check_count, minimum=0),
    "epochs": check_count,
    "reruns": functools.partial(check_count, minimum=2),  # a spread needs two trainings at least
    "train_size": check_train_size,
    "test_size": functools.partial(check_size, limit=TEST_IMAGES),
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
