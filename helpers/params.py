"""A part's parameters: declared once in its parameters cell, checked against one table, recorded.

Every part starts with ``run = start_run(PART, globals(), chapter=..., summary=...)`` right after its
parameters cell and imports. ``start_run`` takes the values of every name of ``PARAMETERS`` the cell
defined (no keyword echo), checks each against its rule and the ``RELATIONS`` between them, decides
where outputs go and seeds everything. The build (``make notebooks``) passes ``output_dir`` and
``profile``; a learner running the part by hand leaves ``output_dir = None`` and the part writes to
the scratch folder ``executed/interactive/``, never to the published ``executed/full/`` or
``executed/quick/``. Bad values stop the part before any training with one ``ParameterError`` naming
the parameter. Nothing here imports TensorFlow, so the build's ``make status`` stays fast.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.paths import EXECUTED, PROJECT_ROOT, SCRATCH

PROFILES = ("quick", "full")
TRAIN_IMAGES = 60000
TEST_IMAGES = 10000
#: The share of a part's training images that Keras holds out for validation (the last ones).
VALIDATION_SPLIT = 0.1
#: Set by the build runner (helpers/build/run.py) in the kernel's environment: the profile it builds.
BUILD_PROFILE_VARIABLE = "SERIES_BUILD_PROFILE"


class ParameterError(ValueError):
    """A parameter of a part is out of range; the message names it and the accepted values."""


@dataclass
class Run:
    """One run of a part: its label, its output folder, every parameter it was given, and what the site
    shows about it (``chapter``, ``summary``, how many trainings came from the cache)."""

    part: str
    profile: str  # "full" or "quick" when the build runs the part, "interactive" when run by hand
    output_dir: Path
    parameters: dict[str, Any]
    chapter: str = ""
    summary: str = ""
    from_cache: int = 0  # trainings read from the cache instead of trained (``note_from_cache``)
    cached_seconds: float = 0.0  # what those trainings took when they trained (those that recorded it)
    untimed: int = 0  # of them, the ones that recorded no training time
    started: float = field(default_factory=time.perf_counter)

    @property
    def published_profile(self) -> str:
        """The profile whose published results a by-hand run may read (it never writes them)."""
        return self.parameters["profile"]

    def folders_to_read(self) -> list[Path]:
        """Where this run reads earlier parts' outputs: its own folder, then (for a run by hand or a build
        with overrides) the published folder of its profile."""
        published = EXECUTED / self.published_profile
        return [self.output_dir] if self.output_dir.resolve() == published.resolve() else [self.output_dir, published]

    def elapsed(self) -> float:
        """Seconds since the run started."""
        return time.perf_counter() - self.started

    def page(self) -> dict[str, Any]:
        """What the site's index and the part's page header say about this run: its chapter and summary, and
        how many trainings came from the cache, with the seconds they took when they trained (``untimed``:
        how many of them recorded none)."""
        return {
            "chapter": self.chapter,
            "summary": self.summary,
            "from_cache": self.from_cache,
            "cached_training_seconds": round(self.cached_seconds, 1),
            "untimed": self.untimed,
        }


_current: list[Run] = []


def note_from_cache(training_seconds: Sequence[float | None]) -> None:
    """Count trainings read from the cache towards the current part's run (if one started): one per entry of
    ``training_seconds``, what each took when it trained (None where its cache entry recorded no time)."""
    if _current:
        run = _current[-1]
        run.from_cache += len(training_seconds)
        run.cached_seconds += sum(seconds for seconds in training_seconds if seconds is not None)
        run.untimed += sum(seconds is None for seconds in training_seconds)


def start_run(part: str, namespace: Mapping[str, Any], *, chapter: str, summary: str) -> Run:
    """Take the part's parameters from ``namespace`` (its ``globals()``), check them, decide where outputs go.

    The parameters are the names of ``PARAMETERS`` that ``namespace`` defines, in the order the
    parameters cell declares them; all but ``output_dir`` are recorded with the part's results.
    ``chapter`` and ``summary`` (one sentence) are what the site's index lists the part under.
    In a notebook, every figure shown from here on carries the size of its smallest text
    (``helpers.figure_text``), which the site's legibility test reads.
    """
    values = {name: value for name, value in namespace.items() if name in PARAMETERS}
    for name in ("profile", "output_dir"):
        if name not in values:
            raise ParameterError(f"the parameters cell must define {name!r} (every part has it)")
    for name, value in values.items():
        PARAMETERS[name](name, value)
    for names, holds, message in RELATIONS:
        if all(name in values for name in names) and not holds(*(values[name] for name in names)):
            raise ParameterError(message.format(**values))
    profile, output_dir = values["profile"], values.pop("output_dir")
    if output_dir is None:
        folder, label = SCRATCH, "interactive"
        print(
            f"Run by hand: outputs go to {SCRATCH.relative_to(PROJECT_ROOT)}/ (the published results in "
            f"executed/{profile}/ are only read). `make notebooks` is what rebuilds the series."
        )
    else:
        folder, label = Path(output_dir).resolve(), profile
        target = next((name for name in PROFILES if (EXECUTED / name).resolve() == folder), None)
        if target is not None and os.environ.get(BUILD_PROFILE_VARIABLE) != target:
            raise ParameterError(
                f"output_dir {output_dir!r} is where `make notebooks` publishes the {target} profile: "
                "set output_dir = None to write to executed/interactive/ instead"
            )
    if "seed" in values:
        # Imported here: the checks above stay usable without TensorFlow (the build's `make status`).
        from helpers.training import seed_everything

        seed_everything(values["seed"])
    # Imported here for the same reason: matplotlib is not needed to check parameters.
    from helpers.figure_text import show_text_size_with_figures

    show_text_size_with_figures()
    run = Run(part, label, folder, values, chapter=chapter, summary=summary)
    _current[:] = [run]
    return run


# --- the rules ----------------------------------------------------------------------------------------
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


def check_folder(name: str, value: str | None) -> None:
    """An output folder: ``None`` (the scratch folder) or a path."""
    if value is not None and not isinstance(value, str | os.PathLike):
        raise ParameterError(f"{name} must be None or a folder path, got {value!r}")


def check_count(name: str, value: int, *, minimum: int = 1, maximum: int | None = None) -> None:
    """A count (epochs, reruns, seed): an integer of at least ``minimum`` (and at most ``maximum``)."""
    if not _is_int(value) or value < minimum or (maximum is not None and value > maximum):
        if maximum is not None:
            wanted = f"an integer in {minimum}..{maximum}"
        else:
            wanted = "a positive integer" if minimum == 1 else f"an integer of at least {minimum}"
        raise ParameterError(f"{name} must be {wanted}, got {value!r}")


def check_optional_count(name: str, value: int | None) -> None:
    """A speed setting such as ``workers`` or ``models_per_graph``: ``None`` (picked for the hardware) or >= 1."""
    if value is not None and (not _is_int(value) or value < 1):
        raise ParameterError(f"{name} must be None (picked for this machine) or a positive integer, got {value!r}")


def check_fraction(name: str, value: float) -> None:
    """A number in [0, 1]."""
    if not _is_number(value) or not 0 <= value <= 1:
        raise ParameterError(f"{name} must be a number in [0, 1], got {value!r}")


#: Grid axis kinds: a test of one value and what the message calls a valid one.
_KINDS = {
    "rate": (lambda v: _is_number(v) and 0 <= v < 1, "dropout rates in [0, 1)"),
    "penalty": (lambda v: _is_number(v) and v >= 0, "penalties >= 0"),
    "width": (lambda v: _is_int(v) and v > 0, "positive integer widths"),
    "size": (lambda v: _is_int(v) and v > 0, "positive integer numbers of digits"),
}


def check_grid(name: str, values: Sequence[float], *, kind: str, minimum: int = 1) -> None:
    """A grid axis: a list of at least ``minimum`` values, no repeats, and each value valid for its ``kind``.

    ``kind`` is ``"rate"`` (dropout, in [0, 1)), ``"penalty"`` (L1/L2 coefficient, >= 0) or
    ``"width"`` (number of neurons, positive integer).
    """
    is_valid, wanted = _KINDS[kind]
    if not isinstance(values, list | tuple):
        raise ParameterError(f"{name} must be a list of {wanted}, e.g. [{values!r}], got {values!r}")
    if len(values) < minimum:
        raise ParameterError(
            f"{name} holds {len(values)} value(s): the page compares the grid's rows and columns, give at least "
            f"{minimum} {wanted}"
        )
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


def check_strengths(name: str, values: Sequence[float], *, low: float, high: float, includes: Sequence[float]) -> None:
    """Distortion strengths: increasing, within ``low``..``high``, holding every value of ``includes``."""
    if not isinstance(values, list | tuple) or not all(_is_number(v) for v in values) or len(values) < 2:
        raise ParameterError(f"{name} must be a list of at least 2 numbers, got {values!r}")
    if any(b <= a for a, b in itertools.pairwise(values)):
        raise ParameterError(f"{name} must be strictly increasing, got {list(values)}")
    if values[0] < low or values[-1] > high:
        raise ParameterError(f"{name} must lie within {low:g}..{high:g}, got {list(values)}")
    missing = [v for v in includes if not any(math.isclose(v, w, abs_tol=1e-9) for w in values)]
    if missing:
        raise ParameterError(f"{name} must include {missing} (the page reports accuracy there), got {list(values)}")


#: Every parameter of the series and its rule: the one table a part's parameters cell is checked against.
PARAMETERS: dict[str, Callable[[str, Any], None]] = {
    "profile": functools.partial(check_choice, choices=PROFILES),
    "output_dir": check_folder,
    "seed": functools.partial(check_count, minimum=0),
    "train_size": check_train_size,
    "test_size": functools.partial(check_size, limit=TEST_IMAGES),
    "epochs": check_count,
    "reruns": functools.partial(check_count, minimum=2),  # a spread needs two trainings at least
    "trainings": functools.partial(check_count, minimum=2),
    "workers": check_optional_count,
    "models_per_graph": check_optional_count,
    "widths": functools.partial(check_grid, kind="width"),
    "chosen_width": functools.partial(check_value, kind="width"),
    "l1_values": functools.partial(check_grid, kind="penalty", minimum=2),
    "l2_values": functools.partial(check_grid, kind="penalty", minimum=2),
    "fixed_penalty": functools.partial(check_value, kind="penalty"),
    "first_rates": functools.partial(check_grid, kind="rate"),
    "second_rates": functools.partial(check_grid, kind="rate"),
    "max_shift": functools.partial(check_count, minimum=3, maximum=10),
    "augment_shift": check_count,
    "equivariance_images": functools.partial(check_count, minimum=10),
    "angles": functools.partial(check_strengths, low=-90, high=90, includes=[-20, 0, 20]),
    "scales": functools.partial(check_strengths, low=0.3, high=2.0, includes=[1.0]),
    "noise_levels": functools.partial(check_strengths, low=0.0, high=1.0, includes=[0.0, 0.3]),
    "patch_sizes": functools.partial(check_strengths, low=0, high=28, includes=[0]),
    "examples_per_group": check_count,
    "ig_steps": functools.partial(check_count, minimum=8),
    "umap_neighbors": functools.partial(check_count, minimum=2),
    "umap_min_dist": check_fraction,
    "knn_neighbors": check_count,
    "training_sizes": functools.partial(check_grid, kind="size"),
    "size_trainings": functools.partial(check_count, minimum=2),
    "latency_repeats": check_count,
}

#: Rules between parameters: the names, a test of their values, and the message (formatted with them).
RELATIONS: list[tuple[tuple[str, ...], Callable[..., bool], str]] = [
    (
        ("chosen_width", "widths"),
        lambda chosen, widths: chosen in widths,
        "chosen_width must be one of the searched widths {widths}, got {chosen_width}",
    ),
    (
        ("training_sizes", "train_size"),
        lambda sizes, train_size: all(training_share(train_size) % size == 0 for size in sizes),
        "every one of training_sizes {training_sizes} must divide the training share of train_size {train_size} "
        "(its first 90 %, which a smaller set is repeated to fill), e.g. 600, 1200 or 5400 for 6,000 images",
    ),
]


def training_share(train_size: int | None) -> int:
    """How many of ``train_size`` training images (``None``: all) train: Keras's ``validation_split`` holds
    out the last ``VALIDATION_SPLIT`` of them."""
    return int((TRAIN_IMAGES if train_size is None else train_size) * (1 - VALIDATION_SPLIT))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
