"""One network trained several times from different initial weights: the noise behind a headline number.

A single training is one draw of the initial weights (and of the dropout masks), so a headline
accuracy is one sample of what the network reaches. ``train_reruns`` trains the same network
``runs`` more times through the grid runner (side by side, cached and resumable like a grid), each
from its own initial draw, everything else unchanged: data, epochs, optimiser and batch order.
``Reruns`` summarises them and says where a single run sits among them, and keeps which test digits each
one got right, so that the test set's own sampling error can be counted (``helpers.comparisons``).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np

from helpers.grid import run_grid
from helpers.params import check_count
from helpers.training import Mnist, correct_digits, seed_everything


@dataclass(frozen=True)
class InitSeeded:
    """``build`` with its initial weights drawn from ``init_seed``: a builder the grid runner can ship to workers."""

    build: Callable[..., keras.Model]

    def __call__(self, init_seed: int, **point: Any) -> keras.Model:
        seed_everything(init_seed)
        return self.build(**point)


@dataclass(frozen=True)
class Reruns:
    """The test and validation accuracies (fractions) of several trainings of one network.

    ``test_correct`` holds, for each training, which test digits it classified correctly (booleans,
    trainings × test digits); its row means are ``test_accuracy``.
    """

    init_seeds: list[int]
    test_accuracy: np.ndarray
    val_accuracy: np.ndarray
    test_correct: np.ndarray

    @property
    def mean(self) -> float:
        """Mean test accuracy, in %."""
        return float(100 * self.test_accuracy.mean())

    @property
    def sd(self) -> float:
        """Standard deviation of the test accuracy between trainings (n - 1 in the denominator), in points."""
        return float(100 * self.test_accuracy.std(ddof=1))

    @property
    def low(self) -> float:
        """Lowest test accuracy, in %."""
        return float(100 * self.test_accuracy.min())

    @property
    def high(self) -> float:
        """Highest test accuracy, in %."""
        return float(100 * self.test_accuracy.max())

    def gap_band(self, split: str = "test") -> float:
        """Points within which two trainings of this network land: 2·√2·s.

        With the true s.d. in place of ``s`` that would hold 95 % of the time; with ``s`` measured from
        five trainings, about 88 % (Student's t with 4 degrees of freedom), as the pages say.

        ``split`` is ``"test"`` or ``"val"`` (the final validation accuracy, which grids select on).
        """
        values = {"test": self.test_accuracy, "val": self.val_accuracy}[split]
        return float(2 * np.sqrt(2) * 100 * values.std(ddof=1))

    def beaten_by(self, accuracy: float) -> int:
        """How many reruns score below ``accuracy`` (a fraction, like a single run's test accuracy)."""
        return int((self.test_accuracy < accuracy).sum())

    def standing(self, accuracy: float) -> float:
        """How many standard deviations ``accuracy`` (a fraction) sits above (+) or below (-) the mean."""
        return (100 * accuracy - self.mean) / self.sd

    def summary(self, accuracy: float) -> str:
        """A Markdown sentence on the reruns, and where a single run's ``accuracy`` (a fraction) sits among them."""
        return (
            f"The {len(self.init_seeds)} reruns score **{self.mean:.2f} ± {self.sd:.2f} %** (mean ± standard "
            f"deviation), from {self.low:.2f} to {self.high:.2f} %. The run above scored {100 * accuracy:.2f} %, "
            f"higher than {self.beaten_by(accuracy)} of them ({self.standing(accuracy):+.1f} standard deviations "
            "from their mean)."
        )

    def record(self) -> dict[str, Any]:
        """What a part's results file keeps of them (``test_correct``: one bit per test digit, base64)."""
        return {
            "init_seeds": self.init_seeds,
            "test_accuracy": self.test_accuracy.tolist(),
            "val_accuracy": self.val_accuracy.tolist(),
            "test_images": int(self.test_correct.shape[1]),
            "test_correct": [base64.b64encode(np.packbits(row).tobytes()).decode("ascii") for row in self.test_correct],
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Reruns:
        """The reruns a part recorded with ``record``."""
        images = record["test_images"]
        correct = np.array(
            [
                np.unpackbits(np.frombuffer(base64.b64decode(row), dtype=np.uint8), count=images).astype(bool)
                for row in record["test_correct"]
            ]
        )
        return cls(
            list(record["init_seeds"]), np.array(record["test_accuracy"]), np.array(record["val_accuracy"]), correct
        )


def rerun_seeds(seed: int, runs: int) -> list[int]:
    """The initial-weight seeds of ``runs`` reruns: the ones after the part's own ``seed``."""
    check_count("reruns", runs, minimum=2)
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
