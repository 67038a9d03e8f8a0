"""Figures shared by the parts. Every function returns a matplotlib Figure and never calls ``show``."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.colors import Colormap
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from sklearn.metrics import confusion_matrix

from helpers.statistics import accuracy_standard_error

if TYPE_CHECKING:
    import keras
    import pandas as pd
    from pandas.io.formats.style import Styler

DIGITS = [str(d) for d in range(10)]


def annotated_heatmap(
    values: np.ndarray,
    *,
    x_labels: Sequence[str],
    y_labels: Sequence[str],
    title: str,
    x_title: str,
    y_title: str,
    fmt: str = ".2f",
    cmap: str | Colormap = "viridis",
    center: float | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    colorbar_label: str | None = None,
    highlight: Mapping[str, tuple[int, int]] | None = None,
    marked: Sequence[tuple[int, int]] = (),
    marked_label: str = "",
    ax: plt.Axes | None = None,
) -> Figure:
    """A heatmap with every cell annotated; ``highlight`` outlines named cells (``{label: (row, col)}``).

    ``marked`` cells (``(row, col)``) get a white dot in their top-right corner, labelled ``marked_label``.

    Cells outside ``vmin``..``vmax`` take the colour map's "under" or "over" colour, and the colour bar
    then ends in an arrow on that side.
    """
    below = vmin is not None and bool(np.nanmin(values) < vmin)
    above = vmax is not None and bool(np.nanmax(values) > vmax)
    extend = {(False, False): "neither", (True, False): "min", (False, True): "max", (True, True): "both"}[below, above]
    if ax is None:
        fig, ax = plt.subplots(figsize=(1.1 * len(x_labels) + 2.5, 0.8 * len(y_labels) + 1.8))
    else:
        fig = ax.figure
    sns.heatmap(
        values,
        ax=ax,
        annot=True,
        fmt=fmt,
        cmap=cmap,
        center=center,
        vmin=vmin,
        vmax=vmax,
        xticklabels=list(x_labels),
        yticklabels=list(y_labels),
        cbar=colorbar_label is not None,
        cbar_kws={"label": colorbar_label, "extend": extend} if colorbar_label else None,
        annot_kws={"fontsize": 10},
        square=False,
    )
    ax.set_title(title)
    ax.set_xlabel(x_title)
    ax.set_ylabel(y_title)
    colors = ["tab:red", "tab:blue", "tab:orange"]
    cells = list((highlight or {}).values())
    for index, ((label, (row, col)), color) in enumerate(zip((highlight or {}).items(), colors, strict=False)):
        inset = 0.07 * cells[:index].count((row, col))  # a cell framed twice shows both frames, one inside the other
        ax.add_patch(
            plt.Rectangle(
                (col + inset, row + inset), 1 - 2 * inset, 1 - 2 * inset, fill=False, edgecolor=color, lw=3, label=label
            )
        )
    if marked:
        ax.scatter(
            [col + 0.86 for _, col in marked],
            [row + 0.16 for row, _ in marked],
            s=36,
            facecolor="white",
            edgecolor="black",
            zorder=3,
            label=marked_label,
        )
    if highlight or marked:
        entries = len(highlight or {})
        ax.legend(loc="upper left", bbox_to_anchor=(0, -0.18), ncol=1 if marked else entries, frameon=False)
    fig.tight_layout()
    return fig


def history_curves(history: Mapping[str, Sequence[float]], *, title: str) -> Figure:
    """Training and validation loss and accuracy per epoch, one panel per metric."""
    metrics = sorted((name for name in history if not name.startswith("val_")), key=lambda name: name != "loss")
    fig, axes = plt.subplots(1, len(metrics), figsize=(6 * len(metrics), 4), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        epochs = np.arange(1, len(history[metric]) + 1)
        ax.plot(epochs, history[metric], label="training")
        if f"val_{metric}" in history:
            ax.plot(epochs, history[f"val_{metric}"], label="validation")
        ax.set_title(metric.replace("_", " "))
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(metric.replace("_", " "))
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def confusion_matrix_figure(y_true: np.ndarray, y_pred: np.ndarray, *, title: str) -> Figure:
    """The test-set confusion matrix as an annotated count heatmap (true digit by row).

    The colours span the mistakes (0 to the largest off-diagonal count); the correct answers on the
    diagonal lie above that scale, so they saturate and the colour bar ends in an arrow.
    """
    counts = confusion_matrix(y_true, y_pred, labels=range(10))
    mistakes = counts - np.diag(np.diag(counts))
    fig, ax = plt.subplots(figsize=(8.5, 7))
    annotated_heatmap(
        counts,
        x_labels=DIGITS,
        y_labels=DIGITS,
        title=title,
        x_title="predicted digit",
        y_title="true digit",
        fmt="d",
        cmap="Reds",
        vmax=max(int(mistakes.max()), 1),  # colour scaled to the mistakes; the diagonal saturates
        colorbar_label="test images",
        ax=ax,
    )
    return fig


def top_confusions(y_true: np.ndarray, y_pred: np.ndarray, count: int = 2) -> list[tuple[int, int, int]]:
    """The ``count`` most frequent mistakes as ``(true digit, predicted digit, how many)``."""
    counts = confusion_matrix(y_true, y_pred, labels=range(10))
    np.fill_diagonal(counts, 0)
    order = np.argsort(counts, axis=None)[::-1][:count]
    return [(int(i // 10), int(i % 10), int(counts.flat[i])) for i in order]


#: Histogram panels side by side at most: three in a row would be shrunk on the site until their axis
#: text is half the size of the body text.
HISTOGRAMS_PER_ROW = 2


def dense_weight_histograms(kernels: Mapping[str, np.ndarray], *, title: str, bins: int = 40) -> Figure:
    """One histogram of kernel coefficients per dense layer (``{layer name: kernel}``), two to a row."""
    columns = min(len(kernels), HISTOGRAMS_PER_ROW)
    rows = -(-len(kernels) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(5.2 * columns, 3.6 * rows), squeeze=False)
    for unused in axes.flat[len(kernels) :]:
        fig.delaxes(unused)
    for ax, (name, kernel) in zip(axes.flat, kernels.items(), strict=False):
        ax.hist(kernel.ravel(), bins=bins, color="tab:blue")
        ax.set_title(f"{name}: {kernel.shape[0]}x{kernel.shape[1]} kernel")
        ax.set_xlabel("coefficient value")
        ax.set_ylabel("number of coefficients")
        ax.set_yscale("log")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def conv_kernel_heatmaps(kernel: np.ndarray, *, title: str) -> Figure:
    """The 3x3 filters of a first convolution layer (``kernel`` shaped ``(3, 3, 1, filters)``)."""
    filters = kernel.shape[-1]
    columns = min(filters, 3)
    rows = int(np.ceil(filters / columns))
    limit = float(np.abs(kernel).max())
    fig, axes = plt.subplots(rows, columns, figsize=(3.4 * columns, 3.0 * rows), squeeze=False)
    for index, ax in enumerate(axes.ravel()):
        if index >= filters:
            ax.axis("off")
            continue
        sns.heatmap(
            kernel[:, :, 0, index],
            ax=ax,
            annot=True,
            fmt=".2f",
            cmap="RdBu_r",
            vmin=-limit,
            vmax=limit,
            cbar=False,
            xticklabels=False,
            yticklabels=False,
            square=True,
        )
        ax.set_title(f"filter {index}")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def digit_grid(images: np.ndarray, labels: np.ndarray, *, rows: int = 4, columns: int = 12) -> Figure:
    """The first ``rows * columns`` images with their labels."""
    fig, axes = plt.subplots(rows, columns, figsize=(1.0 * columns, 1.15 * rows))
    for ax, image, label in zip(axes.ravel(), images, labels, strict=False):
        ax.imshow(image, cmap="gray_r")
        ax.set_title(str(label), fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def line_with_points(
    x: Sequence[float], series: Mapping[str, Sequence[float]], *, title: str, x_title: str, y_title: str
) -> Figure:
    """One line per named series over the same x values, points marked (e.g. accuracy vs width)."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, values in series.items():
        ax.plot(x, values, marker="o", label=name)
    ax.set_xscale("log", base=2)
    ax.set_xticks(list(x), [str(v) for v in x])
    ax.set_title(title)
    ax.set_xlabel(x_title)
    ax.set_ylabel(y_title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


# Accuracy points below a grid's median under which a cell may count as an outlier (see accuracy_grid).
OUTLIER_MIN_GAP = 1.0


def grid_scale(percent: np.ndarray, noise: float | None = None) -> tuple[float, float, list[tuple[int, int]]]:
    """What ``accuracy_grid`` draws for a grid of accuracies in %: the bottom and top of its colour scale
    and the cells it marks with a dot (within ``noise`` points of the best); see ``accuracy_grid``."""
    floor = float(np.nanmin(percent))
    if percent.size >= 9:
        median = np.nanmedian(percent)
        spread = 1.4826 * np.nanmedian(np.abs(percent - median))
        floor = float(np.nanmin(percent[percent >= median - max(3 * spread, OUTLIER_MIN_GAP)]))
    best = float(np.nanmax(percent))
    marked: list[tuple[int, int]] = []
    if noise is not None:
        floor = min(floor, best - 2 * noise)
        marked = [(int(r), int(c)) for r, c in zip(*np.nonzero(percent >= best - noise), strict=True)]
    return floor, best, marked


def accuracy_grid(
    accuracy: np.ndarray,
    *,
    rows: Sequence[float],
    columns: Sequence[float],
    row_title: str,
    column_title: str,
    title: str,
    highlight: Mapping[str, tuple[int, int]] | None = None,
    noise: float | None = None,
) -> Figure:
    """A 2-D grid of accuracies (fractions) as an annotated heatmap in percent.

    ``noise`` (points), if given, is how far apart two trainings of one network can land: cells within
    it of the best get a dot, and the colour scale spans at least twice it, so that a spread no larger
    than the noise does not run from one end of the colour map to the other.

    The colour scale spans the cells that are not outliers on the low side, so that a few collapsed
    networks do not flatten the differences between the good ones. An outlier lies below the median by
    more than three robust standard deviations (1.4826 median absolute deviations) and by more than
    ``OUTLIER_MIN_GAP`` points: in a flat grid, where every cell is within a few tenths of a point, the
    lowest cells are ordinary training noise, not outliers. Grids under 9 cells keep every cell on the
    scale. Outliers are grey, and every cell keeps its number.
    """
    percent = 100 * np.asarray(accuracy, dtype=float)
    floor, best, marked = grid_scale(percent, noise)
    colours = plt.get_cmap("viridis").with_extremes(under="lightgrey")
    return annotated_heatmap(
        percent,
        x_labels=[f"{v:g}" for v in columns],
        y_labels=[f"{v:g}" for v in rows],
        title=title,
        x_title=column_title,
        y_title=row_title,
        fmt=".2f",
        cmap=colours,
        vmin=floor,
        vmax=best,
        colorbar_label="accuracy (%)",
        highlight=highlight,
        marked=marked,
        marked_label=f"within {noise:.2f} points of the best (retraining noise)" if noise is not None else "",
    )


def validation_against_test(
    val_accuracy: Sequence[float],
    test_accuracy: Sequence[float],
    *,
    selected: int,
    noise: float,
    title: str,
) -> Figure:
    """Each grid cell's validation accuracy against its test accuracy (fractions, drawn in %).

    The selected cell is a red star; cells within ``noise`` points of the best validation accuracy (the
    band of ``accuracy_grid``'s dots) are filled, the others hollow. The axes are clipped to the cells
    within three points of the best on each, so that collapsed networks do not squeeze the rest; how
    many were left out is said in the title.
    """
    val, test = 100 * np.asarray(val_accuracy, dtype=float), 100 * np.asarray(test_accuracy, dtype=float)
    shown = (val >= val.max() - 3) & (test >= test.max() - 3)
    within = val >= val.max() - noise
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    ax.scatter(val[shown & within], test[shown & within], s=40, color="tab:blue", label=f"within {noise:.2f} points")
    ax.scatter(
        val[shown & ~within], test[shown & ~within], s=40, facecolors="none", edgecolors="tab:blue", label="further"
    )
    ax.scatter([val[selected]], [test[selected]], marker="*", s=260, color="tab:red", zorder=4, label="selected")
    ax.set_xlabel("validation accuracy (%)")
    ax.set_ylabel("test accuracy (%)")
    left_out = int((~shown).sum())
    ax.set_title(title + (f"\n({left_out} collapsed cells left out)" if left_out else ""))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    return fig


def rerun_spread(reruns: Sequence[float], *, first_run: float, test_images: int, title: str) -> Figure:
    """Test accuracies (fractions) of several trainings of one network, as dots on a percent axis.

    The shaded band is the reruns' mean ± one standard deviation, the star is the part's own run, and the
    bar underneath spans ± one standard error of an accuracy measured on ``test_images`` digits around
    the mean, for scale. Equal accuracies stack.
    """
    standard_error = accuracy_standard_error(first_run, test_images)
    percent = np.round(100 * np.asarray(reruns, dtype=float), 2)
    mean, spread = float(percent.mean()), float(percent.std(ddof=1))
    stack = np.array([np.count_nonzero(percent[:i] == v) for i, v in enumerate(percent)])
    fig, ax = plt.subplots(figsize=(7.5, 2.8))
    ax.axvspan(mean - spread, mean + spread, color="tab:blue", alpha=0.15, label="reruns: mean ± 1 s.d.")
    ax.scatter(percent, 0.25 * stack, s=60, color="tab:blue", zorder=3, label=f"{len(percent)} reruns")
    ax.scatter([100 * first_run], [0], marker="*", s=260, color="tab:red", zorder=4, label="the run above")
    ax.errorbar(mean, -0.6, xerr=100 * standard_error, fmt="none", ecolor="black", capsize=5, label="± 1 test-set s.e.")
    ax.set_ylim(-1.0, 0.6 + 0.25 * stack.max())
    ax.set_yticks([])
    ax.set_xlabel("test accuracy (%)")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    fig.tight_layout()
    return fig


def against_reference(
    ours: Mapping[str, float],
    reference: Mapping[str, float],
    *,
    tolerance: float,
    noise: Mapping[str, float],
    noise_label: str,
    title: str,
) -> Figure:
    """Our accuracy (dot) beside a reference's (diamond in a ± ``tolerance`` band) for each named network.

    All values are in percent. Networks named in ``noise`` get a whisker of ± that many points around our
    dot, labelled ``noise_label``.
    """
    names = list(ours)
    rows = np.arange(len(names))[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(names) + 1.6))
    for row, name in zip(rows, names, strict=True):
        ax.fill_betweenx(
            [row - 0.3, row + 0.3],
            reference[name] - tolerance,
            reference[name] + tolerance,
            color="lightgrey",
            label=f"reference ± {tolerance:g} points" if row == rows[0] else None,
        )
    ax.scatter([reference[n] for n in names], rows, marker="D", s=50, facecolor="white", edgecolor="black", zorder=3)
    ax.scatter([ours[n] for n in names], rows, s=60, color="tab:blue", zorder=4, label="this series")
    with_noise = [(row, n) for row, n in zip(rows, names, strict=True) if n in noise]
    if with_noise:
        ax.errorbar(
            [ours[n] for _, n in with_noise],
            [row for row, _ in with_noise],
            xerr=[noise[n] for _, n in with_noise],
            fmt="none",
            ecolor="tab:blue",
            capsize=4,
            label=noise_label,
        )
    ax.scatter([], [], marker="D", facecolor="white", edgecolor="black", label="reference tutorial")
    ax.set_yticks(rows, names)
    ax.set_xlabel("test accuracy (%)")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, frameon=False)
    fig.tight_layout()
    return fig


def styled_table(
    table: pd.DataFrame,
    *,
    formats: Mapping[str, str | Callable[[Any], str]],
    text_columns: Sequence[str],
) -> Styler:
    """``table`` for the page: no index column, numbers formatted and right-aligned, text left-aligned.

    Its HTML ids come from the table's content, not from a random draw: the same table gives the same page.
    """
    content_id = hashlib.sha256(table.to_csv().encode()).hexdigest()[:10]
    return (
        table.style.set_uuid(content_id)
        .format(dict(formats))
        .hide(axis="index")
        .set_properties(subset=list(text_columns), **{"text-align": "left"})
        .set_table_styles([{"selector": "th", "props": [("text-align", "left"), ("vertical-align", "bottom")]}])
    )


@dataclass(frozen=True)
class Stage:
    """One layer of a network as a diagram draws it: its name, the shape of what it outputs, its coefficients."""

    name: str
    kind: str
    shape: tuple[int, ...]
    coefficients: int

    @property
    def values(self) -> int:
        """How many numbers the layer outputs per digit."""
        return int(np.prod(self.shape))


def layer_stages(model: keras.Model) -> list[Stage]:
    """The input and every layer of ``model``, in order, with output shapes and coefficient counts."""
    stages = [Stage("input", "image", tuple(model.input_shape[1:]), 0)]
    for layer in model.layers:
        stages.append(Stage(layer.name, type(layer).__name__, tuple(layer.output.shape[1:]), layer.count_params()))
    return stages


def network_diagram(model: keras.Model, *, title: str, per_row: int = 5) -> Figure:
    """The data flowing through ``model``: one box per stage, its height growing with the number of values
    the stage holds (log scale), labelled with its shape, and with its coefficients where it has any.

    At most ``per_row`` stages to a row, so that the figure keeps its text legible at a page's width; the
    flow runs on to the next row along a line below the boxes."""
    stages = layer_stages(model)
    rows = -(-len(stages) // per_row)
    columns = min(per_row, len(stages))
    row_height = 3.7  # in data units, about an inch each: names above a box, shape and coefficients below
    fig, ax = plt.subplots(figsize=(1.55 * columns + 0.5, row_height * (rows - 1) + 3.6))
    largest = np.log10(max(s.values for s in stages))
    for k, stage in enumerate(stages):
        x, y = k % per_row, -(k // per_row) * row_height
        height = 0.25 + 1.75 * np.log10(stage.values) / largest
        colour = "#dbe8f5" if stage.coefficients else "#f1f1f1"
        ax.add_patch(plt.Rectangle((x - 0.38, y - height / 2), 0.76, height, facecolor=colour, edgecolor="#33506e"))
        shape = "×".join(str(d) for d in stage.shape)
        ax.text(x, y + height / 2 + 0.12, f"{stage.name}\n{stage.kind}", ha="center", va="bottom", fontsize=10)
        ax.text(x, y - height / 2 - 0.12, shape, ha="center", va="top", fontsize=10, fontweight="bold")
        if stage.coefficients:
            ax.text(x, y - height / 2 - 0.45, f"{stage.coefficients:,} coef.", ha="center", va="top", fontsize=9)
        if not k:
            continue
        arrow = {"arrowstyle": "->", "color": "#33506e"}
        if x:
            ax.annotate("", xy=(x - 0.4, y), xytext=(x - 0.6, y), arrowprops=arrow)
        else:  # a new row: from the end of the last one, down a lane below its labels, back to the start
            lane, end = y + row_height / 2 + 0.05, per_row - 1 + 0.55
            above = y + row_height
            ax.plot([per_row - 0.6, end, end, -0.55, -0.55], [above, above, lane, lane, y], color="#33506e", lw=1)
            ax.annotate("", xy=(-0.4, y), xytext=(-0.56, y), arrowprops=arrow)
    ax.set(xlim=(-0.65, columns - 0.35), ylim=(-row_height * (rows - 1) - 1.75, 1.6))
    ax.set_title(title, fontsize=12)
    ax.set_axis_off()
    fig.tight_layout()
    return fig
