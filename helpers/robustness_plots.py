"""Figures of parts 11-13: accuracy under distortions, shift heatmaps, example digits, equivariance per stage.

Accuracies arrive as fractions (or ``helpers.statistics.Interval``) and are drawn in percent. Every
figure is sized to stay legible at about 1000 pixels wide.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from helpers.statistics import Interval

#: One colour and line style per network, the same on every figure of the part.
STYLES = {
    "dense": {"color": "tab:orange", "marker": "o", "linestyle": "-"},
    "LeNet": {"color": "tab:blue", "marker": "s", "linestyle": "-"},
    "dense, shift-augmented": {"color": "tab:orange", "marker": "o", "linestyle": "--"},
    "LeNet, shift-augmented": {"color": "tab:blue", "marker": "s", "linestyle": "--"},
}
CHANCE = 10.0  # percent: a network guessing one digit in ten


def _style(name: str, index: int) -> dict:
    return STYLES.get(name, {"color": f"C{index}", "marker": "o", "linestyle": "-"})


def accuracy_curves(
    strengths: Sequence[float],
    curves: Mapping[str, Sequence[Interval]],
    *,
    title: str,
    x_title: str,
    tick_labels: Sequence[str] | None = None,
    ax: plt.Axes | None = None,
) -> Figure:
    """Accuracy (%) against the strength of a distortion, one line per network, its 95 % interval shaded."""
    own = ax is None
    if ax is None:
        fig, ax = plt.subplots(figsize=(8.6, 4.6))
    else:
        fig = ax.figure
    x = np.asarray(strengths, dtype=float)
    for index, (name, points) in enumerate(curves.items()):
        style = _style(name, index)
        value = 100 * np.array([p.value for p in points])
        low, high = (100 * np.array([getattr(p, side) for p in points]) for side in ("low", "high"))
        ax.plot(x, value, label=name, lw=2, markersize=5, **style)
        ax.fill_between(x, low, high, color=style["color"], alpha=0.2, lw=0)
    ax.axhline(CHANCE, color="grey", lw=1, ls=":", label="chance (10 %)")
    ax.set_ylim(0, 101)
    ax.set_xticks(x)
    ax.set_xticklabels(tick_labels if tick_labels is not None else [f"{v:g}" for v in x])
    ax.set_xlabel(x_title)
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    if own:
        fig.tight_layout()
    return fig


def shift_heatmaps(accuracy: Mapping[str, np.ndarray], shifts: Sequence[int], *, title: str) -> Figure:
    """One heatmap of accuracy (%) per network over horizontal (columns) and vertical (rows) shifts, stacked
    one above the other so that each is drawn at the column's full width and its numbers stay legible."""
    names = list(accuracy)
    fig, axes = plt.subplots(len(names), 1, figsize=(7.4, 6.6 * len(names)), squeeze=False, layout="constrained")
    for ax, name in zip(axes[:, 0], names, strict=True):
        percent = 100 * np.asarray(accuracy[name], dtype=float)
        image = ax.imshow(percent, cmap="viridis", vmin=0, vmax=100)
        for (row, col), value in np.ndenumerate(percent):
            ax.text(
                col,
                row,
                f"{value:.0f}",
                ha="center",
                va="center",
                fontsize=9.5,
                color="white" if value < 60 else "black",
            )
        labels = [f"{s:+d}" if s else "0" for s in shifts]
        ax.set_xticks(range(len(shifts)), labels)
        ax.set_yticks(range(len(shifts)), labels)
        ax.set_xlabel("horizontal shift (pixels, + = right)")
        ax.set_ylabel("vertical shift (pixels, + = down)")
        ax.set_title(name)
    fig.colorbar(image, ax=axes[:, 0].tolist(), label="test accuracy (%)", shrink=0.5)
    fig.suptitle(title)
    return fig


def shift_curves(
    shifts: Sequence[int],
    horizontal: Mapping[str, Sequence[Interval]],
    vertical: Mapping[str, Sequence[Interval]],
    *,
    title: str,
) -> Figure:
    """Accuracy against horizontal shifts (left panel) and vertical shifts (right panel), one line per network."""
    fig, axes = plt.subplots(1, 2, figsize=(9.4, 4.8), sharey=True, layout="constrained")
    labels = [f"{s:+d}" if s else "0" for s in shifts]
    accuracy_curves(shifts, horizontal, title="horizontal", x_title="shift (pixels, + = right)", ax=axes[0])
    accuracy_curves(shifts, vertical, title="vertical", x_title="shift (pixels, + = down)", ax=axes[1])
    for ax in axes:
        ax.set_xticklabels(labels)
        ax.get_legend().remove()
    axes[1].set_ylabel("")
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(
        handles, names, loc="outside lower center", ncol=len(names), fontsize=10, frameon=False, handlelength=3.5
    )  # long enough handles to tell a dashed line from a solid one
    fig.suptitle(title)
    return fig


def distorted_examples(
    images: Sequence[np.ndarray],
    labels: np.ndarray,
    strengths: Sequence[str],
    probabilities: Mapping[str, Sequence[np.ndarray]],
    *,
    title: str,
) -> Figure:
    """The same digits (rows) at increasing strength (columns), each network's guess and confidence below.

    ``images[j]`` holds the digits at strength ``j``, shaped ``(digits, 28, 28)``; ``probabilities[name][j]``
    the network's softmax outputs for them, ``(digits, 10)``. Each network is named by its initial, in capitals
    (``D`` for "dense"). Wrong guesses are red and marked with a cross.
    """
    digits, columns = len(labels), len(strengths)
    names = list(probabilities)
    fig, axes = plt.subplots(digits, columns, figsize=(1.4 * columns + 0.6, 2.1 * digits), squeeze=False)
    for col in range(columns):
        for row in range(digits):
            ax = axes[row, col]
            ax.imshow(images[col][row], cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            lines = []
            for name in names:
                probs = probabilities[name][col][row]
                guess = int(np.argmax(probs))
                wrong = guess != int(labels[row])
                lines.append((f"{'✗ ' if wrong else ''}{name[0].upper()}: {guess} ({100 * probs[guess]:.0f}%)", wrong))
            for k, (text, wrong) in enumerate(lines):
                ax.text(
                    0.5,
                    -0.06 - 0.17 * k,
                    text,
                    transform=ax.transAxes,
                    ha="center",
                    va="top",
                    fontsize=10,
                    color="tab:red" if wrong else "black",
                    fontweight="bold" if wrong else "normal",
                )
            if row == 0:
                ax.set_title(strengths[col], fontsize=11)
    legend = ", ".join(f"{name[0].upper()} = {name}" for name in names)
    fig.suptitle(f"{title}\n{legend}; guess (confidence), wrong ones in red", fontsize=12)
    fig.subplots_adjust(left=0.02, right=0.98, top=0.86, bottom=0.03, hspace=0.75, wspace=0.12)
    return fig


def shift_error_curves(
    shifts: Sequence[int],
    equivariance: Mapping[str, Sequence[float]],
    invariance: Mapping[str, Sequence[float]],
    *,
    title: str,
) -> Figure:
    """Two panels on one scale, one line per stage against the shift (pixels): the equivariance error of the
    stages with maps (top; 0: the maps follow the shift exactly) and the invariance error of every stage
    (bottom; 0: the output ignores the shift). A stage keeps its colour and marker in both panels."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 8.6), sharex=True, sharey=True, layout="constrained")
    fig.get_layout_engine().set(h_pad=0.12, hspace=0.06)  # room between a panel's ticks and the next one's title
    markers = ["o", "s", "^", "D", "v", "P", "X"]
    for index, stage in enumerate(invariance):
        style = {"marker": markers[index % len(markers)], "color": f"C{index}", "lw": 2, "label": stage}
        if stage in equivariance:
            top.plot(shifts, equivariance[stage], **style)
        bottom.plot(shifts, invariance[stage], **style)
    top.set_title("Equivariance error: the maps against the original maps, moved")
    bottom.set_title("Invariance error: the output against the original output")
    for ax in (top, bottom):
        ax.set_ylabel("relative error")
        ax.set_ylim(bottom=-0.02)
        ax.grid(alpha=0.3)
    bottom.set_xticks(list(shifts))
    bottom.set_xlabel("horizontal shift of the digit (pixels)")
    bottom.legend(fontsize=10, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=4, frameon=False)
    fig.suptitle(title)
    return fig


def accuracy_bars(
    settings: Sequence[str], bars: Mapping[str, Sequence[Interval]], *, title: str, ax: plt.Axes | None = None
) -> Figure:
    """Accuracy (%) in a few unordered settings: one bar per network and setting, its 95 % interval as an error bar."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(9, 4.6))
    else:
        fig = ax.figure
    width = 0.8 / len(bars)
    x = np.arange(len(settings))
    for index, (name, points) in enumerate(bars.items()):
        value = 100 * np.array([p.value for p in points])
        errors = 100 * np.array([[p.value - p.low for p in points], [p.high - p.value for p in points]])
        offset = (index - (len(bars) - 1) / 2) * width
        colour = _style(name, index)["color"]
        ax.bar(x + offset, value, width, yerr=errors, capsize=4, color=colour, label=name)
        for xi, v in zip(x + offset, value, strict=True):
            ax.text(xi, v + 2, f"{v:.1f}", ha="center", va="bottom", fontsize=10)
    ax.axhline(CHANCE, color="grey", lw=1, ls=":", label="chance (10 %)")
    ax.set_xticks(x, list(settings))
    ax.set_ylim(0, 110)
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(title)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    return fig
