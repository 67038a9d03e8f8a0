"""Figures of part 14 (inside the networks). Every function returns a matplotlib Figure and never calls ``show``.

Weights and attributions use a diverging colour map centred on zero (red positive, blue negative);
ReLU activations, which are never negative, use a sequential one that is black at zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

DIVERGING = "RdBu_r"
ACTIVATION = "inferno"
CLASS_COLOURS = plt.get_cmap("tab10")


def _symmetric_limit(values: np.ndarray, quantile: float = 0.995) -> float:
    """A colour limit for a map centred on 0: a high quantile of |values|, so one outlier cannot wash it out."""
    limit = float(np.quantile(np.abs(values), quantile))
    return limit if limit > 0 else 1.0


def _bare(ax: plt.Axes) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def first_layer_figure(dense_kernel: np.ndarray, conv_kernel: np.ndarray, *, columns: int = 16) -> Figure:
    """Top: each dense unit's 784 input weights as a 28x28 image; bottom: the 3x3 convolution filters in one
    row, each weight written in its cell.

    ``dense_kernel`` is ``(784, units)``, ``conv_kernel`` ``(3, 3, 1, filters)``. Each part has its own
    colour scale, centred on 0.
    """
    units, filters = dense_kernel.shape[1], conv_kernel.shape[-1]
    rows = int(np.ceil(units / columns))
    fig = plt.figure(figsize=(10, 0.62 * rows + 4.2))
    top, bottom = fig.subfigures(2, 1, height_ratios=[0.62 * rows + 1.0, 3.2], hspace=0.04)
    limit = _symmetric_limit(dense_kernel)
    axes = top.subplots(rows, columns, gridspec_kw={"wspace": 0.06, "hspace": 0.06})
    for index, ax in enumerate(axes.ravel()):
        _bare(ax)
        if index < units:
            image = ax.imshow(dense_kernel[:, index].reshape(28, 28), cmap=DIVERGING, vmin=-limit, vmax=limit)
        else:
            ax.axis("off")
    top.suptitle(f"Dense network: the {units} hidden units' weights on the 28x28 pixels", fontsize=13)
    top.colorbar(image, ax=axes, shrink=0.8, pad=0.01, label="weight")
    conv_limit = float(np.abs(conv_kernel).max())
    conv_axes = bottom.subplots(1, filters, squeeze=False)[0]
    for index, ax in enumerate(conv_axes):
        _bare(ax)
        weights = conv_kernel[:, :, 0, index]
        conv_image = ax.imshow(weights, cmap=DIVERGING, vmin=-conv_limit, vmax=conv_limit)
        for (row, col), value in np.ndenumerate(weights):
            shade = "white" if abs(value) > 0.6 * conv_limit else "black"
            ax.text(col, row, f"{value:.1f}", ha="center", va="center", fontsize=10, color=shade)
        ax.set_title(f"filter {index}", fontsize=11)
    bottom.suptitle("LeNet: the 3x3 filters of conv_0", fontsize=13)
    bottom.colorbar(conv_image, ax=conv_axes, shrink=0.8, pad=0.01, label="weight")
    return fig


def feature_maps_figure(
    digits: np.ndarray,
    maps: Mapping[str, np.ndarray],
    *,
    layout: Sequence[Sequence[str]],
    row_labels: Sequence[str],
    title: str,
) -> Figure:
    """For each digit, its image and the feature maps of the named layers, one channel per tile.

    ``maps[name]`` is ``(digits, height, width, channels)``; ``layout`` lists, for the rows of one
    digit, which layers share a row (e.g. ``[["conv_0", "pool_0"]]`` or ``[["conv_1"], ["pool_1"]]``).
    Each layer has one colour scale for all digits (0 is black), so brighter means stronger everywhere.
    """
    limits = {name: float(np.quantile(values, 0.995)) or 1.0 for name, values in maps.items()}
    columns = 1 + max(sum(maps[name].shape[-1] for name in row) for row in layout)
    rows = len(digits) * len(layout)
    tile, margin_left, margin_top = 0.64, 1.4, 1.0
    width, height = tile * columns + margin_left, tile * rows + margin_top
    fig, axes = plt.subplots(rows, columns, figsize=(width, height), squeeze=False)
    fig.subplots_adjust(
        left=margin_left / width, right=0.995, top=1 - margin_top / height, bottom=0.005, wspace=0.08, hspace=0.08
    )
    for ax in axes.ravel():
        _bare(ax)
        ax.axis("off")
    for d, digit in enumerate(digits):
        for r, row in enumerate(layout):
            line = axes[d * len(layout) + r]
            if r == 0:
                line[0].axis("on")
                line[0].imshow(digit, cmap="gray_r")
                line[0].set_ylabel(row_labels[d], fontsize=11, rotation=0, ha="right", va="center")
            else:
                line[0].text(
                    1.0, 0.5, " + ".join(row) + " →", transform=line[0].transAxes, ha="right", va="center", fontsize=11
                )
            column = 1
            for name in row:
                for channel in range(maps[name].shape[-1]):
                    ax = line[column]
                    ax.axis("on")
                    ax.imshow(maps[name][d, :, :, channel], cmap=ACTIVATION, vmin=0, vmax=limits[name])
                    if d == 0 and r == 0:  # column headers above the first row only
                        header = f"{name}\n#{channel}" if channel == 0 else f"#{channel}"
                        ax.text(0.5, 1.06, header, transform=ax.transAxes, ha="center", va="bottom", fontsize=10)
                    column += 1
    fig.suptitle(title, fontsize=14, y=1 - 0.1 / height, va="top")
    return fig


def hidden_strips_figure(
    digits: np.ndarray, strips: Mapping[str, np.ndarray], *, row_labels: Sequence[str], title: str
) -> Figure:
    """Each digit beside its hidden layers' activations, one cell per unit (``strips[name]``: ``(digits, units)``)."""
    widths = [1.0] + [max(2.4, strip.shape[1] / 16) for strip in strips.values()]
    fig, axes = plt.subplots(
        len(digits),
        1 + len(strips),
        figsize=(sum(widths) + 1.8, 0.62 * len(digits) + 1.3),
        gridspec_kw={"width_ratios": widths, "wspace": 0.08},
        squeeze=False,
    )
    for column, (name, strip) in enumerate(strips.items(), start=1):
        limit = float(np.quantile(strip, 0.995)) or 1.0
        for d in range(len(digits)):
            ax = axes[d, column]
            image = ax.imshow(strip[d][np.newaxis], cmap=ACTIVATION, vmin=0, vmax=limit, aspect="auto")
            _bare(ax)
            if d == 0:
                ax.set_title(f"{name}: {strip.shape[1]} units", fontsize=12)
            if d == len(digits) - 1:
                ax.set_xlabel("unit")
                ax.set_xticks(np.arange(0, strip.shape[1], 16 if strip.shape[1] > 64 else 10))
        fig.colorbar(image, ax=axes[:, column], shrink=0.8, pad=0.01, label="activation")
    for d, digit in enumerate(digits):
        ax = axes[d, 0]
        ax.imshow(digit, cmap="gray_r")
        _bare(ax)
        ax.set_ylabel(row_labels[d], fontsize=10, rotation=0, ha="right", va="center")
    fig.suptitle(title, fontsize=14)
    return fig


def class_means_figure(means: Mapping[str, np.ndarray], *, title: str) -> Figure:
    """Mean activation of each hidden unit per true digit (``means[name]``: ``(10, units)``).

    Units are ordered by the digit they respond to most, then by how strongly, so class-selective units
    line up in blocks along the diagonal; units that never fire on these digits are set apart on the right.
    One network above the other, each at the figure's full width, so that its text stays legible.
    """
    fig, axes = plt.subplots(len(means), 1, figsize=(8.8, 3.4 * len(means) + 0.5), squeeze=False)
    for ax, (name, mean) in zip(axes[:, 0], means.items(), strict=True):
        dead = ~mean.any(axis=0)
        order = np.lexsort((-mean.max(axis=0), mean.argmax(axis=0), dead))  # units that never fire go last
        image = ax.imshow(mean[:, order], cmap=ACTIVATION, aspect="auto", vmin=0)
        if dead.any():
            ax.axvline(mean.shape[1] - dead.sum() - 0.5, color="white", lw=1.5, ls="--")
        ax.set_yticks(range(10))
        ax.set_ylabel("true digit")
        ax.set_xlabel("hidden unit (ordered by the digit it fires for most)")
        ax.set_xticks([])
        silent = (
            f"; {dead.sum()} never fire{'s' if dead.sum() == 1 else ''}, right of the dashed line" if dead.any() else ""
        )
        ax.set_title(f"{name}: {mean.shape[1]} units{silent}", fontsize=12)
        fig.colorbar(image, ax=ax, pad=0.02, label="mean activation")
    fig.suptitle(title, fontsize=13)
    fig.tight_layout()
    return fig


def attribution_figure(
    digits: np.ndarray, columns: Mapping[str, np.ndarray], *, row_labels: Sequence[str], title: str
) -> Figure:
    """Each digit, then one attribution map per column (``columns[name]``: ``(digits, 28, 28)``).

    Every map has its own symmetric colour scale (red: more ink here raises the score, blue: lowers it).
    A column's name breaks onto a second line after its first ": " (``"dense: gradient"``).
    """
    n = len(digits)
    fig, axes = plt.subplots(n, 1 + len(columns), figsize=(1.7 * (1 + len(columns)) + 1.2, 1.7 * n + 1.0))
    axes = np.atleast_2d(axes)
    for d in range(n):
        axes[d, 0].imshow(digits[d], cmap="gray_r")
        axes[d, 0].set_ylabel(row_labels[d], fontsize=12, rotation=0, ha="right", va="center")
        for c, values in enumerate(columns.values(), start=1):
            limit = _symmetric_limit(values[d], 1.0)
            axes[d, c].imshow(values[d], cmap=DIVERGING, vmin=-limit, vmax=limit)
        for ax in axes[d]:
            _bare(ax)
    axes[0, 0].set_title("digit", fontsize=12)
    for c, name in enumerate(columns, start=1):
        axes[0, c].set_title(name.replace(": ", "\n", 1), fontsize=12)
    fig.suptitle(title, fontsize=14)
    fig.tight_layout(rect=(0, 0, 1, 0.985))
    return fig


def embedding_figure(panels: Sequence[tuple[str, np.ndarray, np.ndarray]], labels: np.ndarray, *, title: str) -> Figure:
    """One scatter plot per 2-D embedding, coloured by true digit, marked digits circled in black.

    ``panels`` holds ``(panel title, embedding (n, 2), marked (n,) booleans)``; each digit class is
    labelled at the median of its points.
    """
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 5.0), squeeze=False)
    size = 4 if len(labels) > 3000 else 9
    for ax, (name, embedding, marked) in zip(axes[0], panels, strict=True):
        ax.scatter(
            embedding[:, 0], embedding[:, 1], c=CLASS_COLOURS(labels % 10), s=size, linewidths=0, rasterized=True
        )
        ax.scatter(
            embedding[marked, 0],
            embedding[marked, 1],
            s=28,
            facecolors="none",
            edgecolors="black",
            linewidths=0.8,
            label=f"misclassified ({int(marked.sum())})",
        )
        for digit in np.unique(labels):
            x, y = np.median(embedding[labels == digit], axis=0)
            ax.text(
                x,
                y,
                str(digit),
                fontsize=15,
                weight="bold",
                ha="center",
                va="center",
                color=CLASS_COLOURS(digit),
                bbox={"boxstyle": "circle,pad=0.2", "fc": "white", "alpha": 0.8},
            )
        ax.set_title(name, fontsize=12)
        ax.set_xlabel("UMAP 1", fontsize=12)
        ax.set_ylabel("UMAP 2", fontsize=12)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.legend(loc="lower right", fontsize=12, framealpha=0.9)
    fig.suptitle(title, fontsize=14)
    fig.tight_layout()
    return fig


def grouped_examples(
    images: np.ndarray,
    groups: Mapping[str, np.ndarray],
    tile_titles: Sequence[str],
    *,
    columns: int = 8,
    title: str,
) -> Figure:
    """One row per group: up to ``columns`` of its images (indices into ``images``) with their titles."""
    fig, axes = plt.subplots(len(groups), columns, figsize=(1.15 * columns + 1.8, 1.5 * len(groups) + 0.7))
    axes = np.atleast_2d(axes)
    for row, (name, indices) in enumerate(groups.items()):
        for column, ax in enumerate(axes[row]):
            _bare(ax)
            if column < len(indices):
                ax.imshow(images[indices[column]], cmap="gray_r")
                ax.set_title(tile_titles[indices[column]], fontsize=11)
            else:
                ax.axis("off")
        axes[row, 0].axis("on")
        for spine in axes[row, 0].spines.values():
            spine.set_visible(len(indices) > 0)
        axes[row, 0].set_ylabel(f"{name}\n({len(indices)})", fontsize=12, rotation=0, ha="right", va="center")
    fig.suptitle(title, fontsize=14)
    fig.tight_layout()
    return fig
