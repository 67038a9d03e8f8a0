"""Each plot helper renders real MNIST data (Agg) with the axes and annotations a reader expects."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from matplotlib.figure import Figure

from helpers import plots
from helpers.training import compile_classifier, fit


def _render(fig: Figure) -> None:
    fig.canvas.draw()  # fails loudly on anything matplotlib cannot lay out


def test_digit_grid_shows_images_with_their_labels(mnist_raw):
    (x_train, y_train), _ = mnist_raw
    fig = plots.digit_grid(x_train, y_train, rows=2, columns=5)
    _render(fig)
    assert len(fig.axes) == 10
    assert [ax.get_title() for ax in fig.axes] == [str(y) for y in y_train[:10]]
    assert all(len(ax.images) == 1 for ax in fig.axes)


def test_confusion_matrix_counts_every_test_image_and_names_top_mistakes(mnist_raw):
    _, (_, y_test) = mnist_raw
    predicted = y_test.copy()
    fives = np.flatnonzero(y_test == 5)[:7]
    sevens = np.flatnonzero(y_test == 7)[:4]
    predicted[fives], predicted[sevens] = 3, 2
    fig = plots.confusion_matrix_figure(y_test, predicted, title="test")
    _render(fig)
    ax = fig.axes[0]
    numbers = [int(t.get_text()) for t in ax.texts]
    assert len(numbers) == 100 and sum(numbers) == len(y_test)
    assert ax.get_xlabel() == "predicted digit" and ax.get_ylabel() == "true digit"
    assert ax.collections[0].colorbar.extend == "max"  # the diagonal lies above the mistakes' colour scale
    assert plots.top_confusions(y_test, predicted, count=2) == [(5, 3, 7), (7, 2, 4)]


def test_annotated_heatmap_writes_every_cell_and_outlines_highlights(mnist_raw):
    (x_train, _), _ = mnist_raw
    values = x_train[:12].mean(axis=(1, 2)).reshape(3, 4)  # mean brightness of twelve real digits
    fig = plots.annotated_heatmap(
        values,
        x_labels=list("abcd"),
        y_labels=list("xyz"),
        title="t",
        x_title="columns",
        y_title="rows",
        fmt=".1f",
        colorbar_label="value",
        highlight={"chosen": (1, 2)},
    )
    _render(fig)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == [f"{v:.1f}" for v in values.ravel()]
    assert [t.get_text() for t in ax.get_xticklabels()] == list("abcd")
    assert len(ax.patches) == 1 and ax.patches[0].get_xy() == (2, 1)
    assert len(fig.axes) == 2  # the colour bar


def test_accuracy_grid_shows_percentages_with_hyperparameter_labels(mnist_raw):
    _, (_, y_test) = mnist_raw
    shares = np.bincount(y_test, minlength=10)[:6].reshape(2, 3) / len(y_test)  # real fractions, like accuracies
    fig = plots.accuracy_grid(
        shares, rows=[0.0, 1e-6], columns=[0.0, 0.01, 0.1], row_title="λ1", column_title="λ2", title="grid"
    )
    _render(fig)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == [f"{100 * v:.2f}" for v in shares.ravel()]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0", "1e-06"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "0.01", "0.1"]
    assert ax.get_xlabel() == "λ2" and ax.get_title() == "grid"


def test_accuracy_grid_greys_out_collapsed_cells_below_its_scale():
    accuracy = np.full((3, 3), 0.99) + np.arange(9).reshape(3, 3) * 1e-4
    accuracy[2, 2] = 0.1135  # a network that collapsed to predicting one digit
    floor, best, marked = plots.grid_scale(100 * accuracy)
    assert floor == pytest.approx(99.0) and best == pytest.approx(99.07) and marked == []  # 11.35 % lies below
    fig = plots.accuracy_grid(accuracy, rows=[0, 1, 2], columns=[0, 1, 2], row_title="r", column_title="c", title="t")
    _render(fig)
    assert fig.axes[0].texts[8].get_text() == "11.35"  # every cell keeps its number


def test_accuracy_grid_marks_the_cells_within_noise_of_the_best():
    percent = np.array([[99.0, 99.3], [99.35, 98.0]])
    floor, best, marked = plots.grid_scale(percent, noise=0.1)
    assert marked == [(0, 1), (1, 0)] and best == 99.35
    assert floor == pytest.approx(98.0)  # four cells: no outlier rule; the scale spans at least 2x the noise
    assert plots.grid_scale(percent, noise=2.0)[0] == pytest.approx(95.35)


def test_accuracy_grid_keeps_ordinary_noise_of_a_flat_grid_on_its_scale():
    # Part 6's full-profile test accuracies: every cell within 0.32 points. The two lowest lie more than
    # three robust s.d. below the median, yet they are ordinary draws, not collapsed networks.
    accuracy = (
        np.array(
            [
                [99.07, 99.13, 99.26, 99.36, 99.33, 99.26],
                [99.18, 99.36, 99.23, 99.25, 99.24, 99.30],
                [99.18, 99.15, 99.27, 99.26, 99.36, 99.29],
                [99.31, 99.34, 99.27, 99.33, 99.35, 99.39],
                [99.31, 99.22, 99.31, 99.29, 99.31, 99.24],
                [99.30, 99.33, 99.33, 99.28, 99.37, 99.30],
            ]
        )
        / 100
    )
    floor, _, _ = plots.grid_scale(100 * accuracy)
    assert floor == pytest.approx(99.07)  # the lowest cell stays on the scale


def test_history_weights_and_kernels_of_a_real_model(small_mnist, tmp_path):
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(6, 3, activation="relu", name="conv_0"),
            keras.layers.Flatten(),
            keras.layers.Dense(16, activation="relu", name="dense_0"),
            keras.layers.Dense(10, activation="softmax", name="dense_1"),
        ]
    )
    compile_classifier(model)
    data = small_mnist.__class__(
        small_mnist.x_train[..., None], small_mnist.y_train, small_mnist.x_test[..., None], small_mnist.y_test
    )
    history = fit(model, data, epochs=2)

    fig = plots.history_curves(history, title="h")
    _render(fig)
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    assert all(len(ax.lines) == 2 and len(ax.lines[0].get_xdata()) == 2 for ax in fig.axes)

    kernels = {layer.name: layer.get_weights()[0] for layer in model.layers if layer.name.startswith("dense")}
    fig = plots.dense_weight_histograms(kernels, title="w")
    _render(fig)
    assert [ax.get_title() for ax in fig.axes] == ["dense_0: 4056x16 kernel", "dense_1: 16x10 kernel"]
    assert sum(p.get_height() for p in fig.axes[0].patches) == 4056 * 16
    three = plots.dense_weight_histograms({**kernels, "dense_2": kernels["dense_1"]}, title="w")
    assert len(three.axes) == 3 and three.get_size_inches()[0] <= 11  # two to a row: not shrunk on the site

    fig = plots.conv_kernel_heatmaps(model.get_layer("conv_0").get_weights()[0], title="k")
    _render(fig)
    assert [ax.get_title() for ax in fig.axes] == [f"filter {i}" for i in range(6)]
    assert all(len(ax.texts) == 9 for ax in fig.axes)


def test_line_with_points_labels_every_width():
    fig = plots.line_with_points([32, 64], {"test": [97.0, 97.5]}, title="t", x_title="neurons", y_title="acc")
    _render(fig)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["32", "64"]
    assert ax.get_legend().get_texts()[0].get_text() == "test"


def test_rerun_spread_marks_each_rerun_the_first_run_and_the_scales():
    reruns = [0.9912, 0.9918, 0.9912, 0.9925]
    fig = plots.rerun_spread(reruns, first_run=0.9926, test_images=10_000, title="reruns")
    _render(fig)
    ax = fig.axes[0]
    dots, star = ax.collections[0], ax.collections[1]
    xy = dots.get_offsets()
    np.testing.assert_allclose(xy[:, 0], [99.12, 99.18, 99.12, 99.25])
    assert xy[0, 1] != xy[2, 1]  # equal accuracies stack instead of hiding each other
    np.testing.assert_allclose(star.get_offsets()[0], [99.26, 0])
    band = ax.patches[0]  # mean ± 1 s.d.
    mean, sd = np.mean(xy[:, 0]), np.std(xy[:, 0], ddof=1)
    np.testing.assert_allclose([band.get_x(), band.get_x() + band.get_width()], [mean - sd, mean + sd])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["reruns: mean ± 1 s.d.", "4 reruns", "the run above", "± 1 test-set s.e."]
    assert ax.get_xlabel() == "test accuracy (%)"


def test_against_reference_lists_networks_top_down_with_whiskers_only_where_measured():
    ours = {"dense": 98.43, "lenet": 99.26, "halved": 99.02}
    reference = {"dense": 98.4, "lenet": 99.1, "halved": 99.2}
    fig = plots.against_reference(
        ours, reference, tolerance=0.3, noise={"lenet": 0.2, "halved": 0.2}, noise_label="± 2 s.d.", title="t"
    )
    _render(fig)
    ax = fig.axes[0]
    ticks = sorted(zip(ax.get_yticks(), [t.get_text() for t in ax.get_yticklabels()], strict=True), reverse=True)
    assert [name for _, name in ticks] == ["dense", "lenet", "halved"]  # in the given order, top down
    diamonds, dots = ax.collections[3], ax.collections[4]
    np.testing.assert_allclose(diamonds.get_offsets()[:, 0], [98.4, 99.1, 99.2])
    np.testing.assert_allclose(dots.get_offsets()[:, 0], [98.43, 99.26, 99.02])
    whiskers = ax.containers[0]
    assert len(whiskers.lines[2][0].get_segments()) == 2  # lenet and halved only
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "reference ± 0.3 points" in labels and "± 2 s.d." in labels


def test_a_cell_framed_twice_shows_both_frames():
    accuracy = np.full((3, 3), 0.99) + np.arange(9).reshape(3, 3) * 1e-4
    both = {"selected (validation)": (2, 2), "best on test": (2, 2)}
    fig = plots.accuracy_grid(
        accuracy, rows=[0, 1, 2], columns=[0, 1, 2], row_title="r", column_title="c", title="t", highlight=both
    )
    _render(fig)
    outer, inner = fig.axes[0].patches
    assert outer.get_xy() == (2, 2) and outer.get_width() == 1
    assert inner.get_x() > 2 and inner.get_width() < 1  # inside the first frame, not on top of it
    assert outer.get_edgecolor() != inner.get_edgecolor()


def test_styled_table_formats_numbers_left_aligns_text_and_drops_the_index():
    import pandas as pd

    table = pd.DataFrame({"network": ["LeNet", "dense"], "mean (%)": [99.123, 98.5], "inside": [True, False]})
    html = plots.styled_table(
        table, formats={"mean (%)": "{:.2f}", "inside": lambda v: "yes" if v else "no"}, text_columns=["network"]
    ).to_html()
    assert "99.12" in html and "99.123" not in html and ">yes<" in html and ">no<" in html
    assert "text-align: left" in html
    assert 'class="row_heading' not in html  # the index (0, 1) is hidden


def test_accuracy_grid_with_noise_dots_the_cells_within_it_and_widens_a_narrow_scale():
    accuracy = np.array([[0.9930, 0.9925, 0.9900], [0.9910, 0.9936, 0.9800]])
    fig = plots.accuracy_grid(
        accuracy, rows=[0, 1], columns=[0, 1, 2], row_title="r", column_title="c", title="t", noise=0.2
    )
    _render(fig)
    ax = fig.axes[0]
    dots = ax.collections[-1].get_offsets()
    # best 99.36: cells at 99.30 and 99.25 are within 0.2 points, 99.10 is not
    assert sorted((round(x - 0.86), round(y - 0.16)) for x, y in dots) == [(0, 0), (1, 0), (1, 1)]
    assert (
        "within 0.20 points of the best (retraining noise)" in [t.get_text() for t in ax.get_legend().get_texts()][-1]
    )
    low, high = ax.collections[0].get_clim()
    assert high == pytest.approx(99.36) and low == pytest.approx(98.0)  # the grid spans more than 2 x noise
    narrow = plots.accuracy_grid(
        np.array([[0.9930, 0.9932], [0.9934, 0.9936]]),
        rows=[0, 1],
        columns=[0, 1],
        row_title="r",
        column_title="c",
        title="t",
        noise=0.2,
    )
    assert narrow.axes[0].collections[0].get_clim() == pytest.approx((98.96, 99.36))  # widened to 2 x 0.2 points


def test_the_network_diagram_draws_every_stage_with_its_shape_and_coefficients():
    model = keras.Sequential(
        [
            keras.Input((32, 32, 1)),
            keras.layers.Conv2D(6, 3, name="conv_0"),
            keras.layers.AveragePooling2D(2, name="pool_0"),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(10, name="dense_0"),
        ]
    )
    stages = plots.layer_stages(model)
    assert [(s.name, s.shape, s.coefficients) for s in stages] == [
        ("input", (32, 32, 1), 0),
        ("conv_0", (30, 30, 6), 60),
        ("pool_0", (15, 15, 6), 0),
        ("flatten", (1350,), 0),
        ("dense_0", (10,), 13510),
    ]
    fig = plots.network_diagram(model, title="t")
    _render(fig)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "30×30×6" in texts and "13,510 coef." in texts and len(fig.axes[0].patches) == 5
    fig = plots.network_diagram(model, title="t", per_row=3)  # two rows, joined by one line
    _render(fig)
    rows = {round(p.get_y() + p.get_height() / 2, 3) for p in fig.axes[0].patches}
    assert len(rows) == 2 and len(fig.axes[0].lines) == 1
