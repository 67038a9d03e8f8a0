"""What several trainings of one network measured: the noise behind a headline number.

A single training is one draw of the initial weights (and of the dropout masks), so a headline
accuracy is one sample of what the network reaches. ``Reruns`` holds the test and validation
accuracies of several trainings of one network (``helpers.retraining`` trains them), summarises them,
says where a single run sits among them, and keeps which test digits each one got right, so that the
test set's own sampling error can be counted (``helpers.statistics``).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import numpy as np

from helpers.statistics import noise_band


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
        """Points within which two trainings of this network land (``statistics.noise_band`` of their s.d.).

        ``split`` is ``"test"`` or ``"val"`` (the final validation accuracy, which grids select on).
        """
        values = {"test": self.test_accuracy, "val": self.val_accuracy}[split]
        return noise_band(100 * float(values.std(ddof=1)))

    def beaten_by(self, accuracy: float) -> int:
        """How many reruns score below ``accuracy`` (a fraction, like a single run's test accuracy)."""
        return int((self.test_accuracy < accuracy).sum())

    def standing(self, accuracy: float) -> float:
        """How many standard deviations ``accuracy`` (a fraction) sits above (+) or below (-) the mean."""
        return (100 * accuracy - self.mean) / self.sd

    def summary(self, accuracy: float, single: str = "The run above") -> str:
        """A Markdown sentence on the reruns, and where a single run (``single``, its ``accuracy`` a fraction)
        sits among them."""
        runs, below = len(self.init_seeds), self.beaten_by(accuracy)
        above = int((self.test_accuracy > accuracy).sum())
        if below == runs:
            rank = f"higher than all {runs}"
        elif above == runs:
            rank = f"lower than all {runs}"
        else:
            rank = f"higher than {below} of the {runs}"
        return (
            f"The {runs} reruns score **{self.mean:.2f} ± {self.sd:.2f} %** (mean ± standard "
            f"deviation), from {self.low:.2f} to {self.high:.2f} %. {single} scored {100 * accuracy:.2f} %, "
            f"{rank} ({self.standing(accuracy):+.1f} standard deviations from their mean)."
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
