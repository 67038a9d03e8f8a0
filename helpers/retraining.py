"""Training one network several more times from other initial weights, side by side, cached and resumable.

``train_reruns`` trains the same network ``runs`` more times through the grid runner (like a grid's
cells), each from its own initial draw, everything else unchanged: data, epochs, optimiser and batch
order. It returns the ``helpers.reruns.Reruns`` they measured.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np

from helpers.grid import run_grid
from helpers.reruns import Reruns
from helpers.training import Mnist, correct_digits, seed_everything


@dataclass(frozen=True)
class InitSeeded:
    """``build`` with its initial weights drawn from ``init_seed``: a builder the grid runner can ship to workers."""

    build: Callable[..., keras.Model]

    def __call__(self, init_seed: int, **point: Any) -> keras.Model:
        seed_everything(init_seed)
        return self.build(**point)


def rerun_seeds(seed: int, runs: int) -> list[int]:
    """The initial-weight seeds of ``runs`` reruns: the ones after the part's own ``seed``."""
    return [seed + k for k in range(1, runs + 1)]


def train_reruns(
    build: Callable[..., keras.Model],
    data: Mnist,
    *,
    runs: int,
    epochs: int,
    seed: int,
    profile: str,
    point: dict[str, Any] | None = None,
    description: str = "reruns",
    workers: int | None = None,
    cache_dir: Path | None = None,
) -> Reruns:
    """Train ``build(**point)`` ``runs`` times from the initial weights of ``rerun_seeds(seed, runs)``.

    The reruns share the part's batch order (``seed``) and train side by side like grid cells; they
    are cached under their own keys, so a second call trains nothing. ``workers`` and ``cache_dir``
    are ``run_grid``'s.
    """
    init_seeds = rerun_seeds(seed, runs)
    builder = InitSeeded(build)
    results = run_grid(
        builder,
        [{**(point or {}), "init_seed": s} for s in init_seeds],
        data,
        epochs=epochs,
        seed=seed,
        profile=profile,
        description=description,
        workers=workers,
        cache_dir=cache_dir,
    )
    correct = np.array([correct_digits(r.model(builder), data) for r in results])
    seed_everything(seed)  # rebuilding the models reseeded; leave the random state as run_grid does
    return Reruns(
        init_seeds,
        np.array([r.test_accuracy for r in results]),
        np.array([r.val_accuracy for r in results]),
        correct,
    )
