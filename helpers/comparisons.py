"""Whether a difference between two accuracies is larger than retraining noise: the verdicts of part 8.

A single training is one draw of the initial weights, the dropout masks and the batch order, so two
trainings of the same network already differ. ``compare`` sets the difference between two networks'
accuracies against a noise band, two standard deviations of the gap between two independent
trainings (``gap_sd``), and says in a few words what the difference supports.
"""

from __future__ import annotations

from dataclasses import dataclass

#: How many standard deviations of the retraining gap a difference must exceed to count.
BAND_WIDTH = 2.0


@dataclass(frozen=True)
class Comparison:
    """``first`` against ``second``: their accuracy difference in points and what it supports."""

    first: str
    second: str
    difference: float
    band: float | None  # half-width of the noise band in points; None where the noise was not measured

    @property
    def verdict(self) -> str:
        """``"<first> higher"``, ``"<first> lower"``, ``"within noise"`` or ``"noise not measured"``."""
        if self.band is None:
            return "noise not measured"
        if abs(self.difference) <= self.band:
            return "within noise"
        return f"{self.first} {'higher' if self.difference > 0 else 'lower'}"


def compare(first: str, second: str, accuracies: dict[str, float], gap_sd: float | None) -> Comparison:
    """Compare two rows of ``accuracies`` (in %) against ``BAND_WIDTH`` s.d. of the retraining gap."""
    band = None if gap_sd is None else BAND_WIDTH * gap_sd
    return Comparison(first, second, accuracies[first] - accuracies[second], band)


def retraining_gap_sd(rerun_accuracies: list[float]) -> float:
    """The s.d. of the gap between two independent trainings, from one network's reruns: √2 × their s.d."""
    count = len(rerun_accuracies)
    if count < 2:
        raise ValueError(f"a spread needs at least 2 reruns, got {count}")
    mean = sum(rerun_accuracies) / count
    variance = sum((a - mean) ** 2 for a in rerun_accuracies) / (count - 1)
    return (2 * variance) ** 0.5


def accuracy_standard_error(accuracy: float, test_images: int) -> float:
    """The standard error of an accuracy (a fraction) measured on ``test_images`` digits: √(p(1-p)/n)."""
    return (accuracy * (1 - accuracy) / test_images) ** 0.5
