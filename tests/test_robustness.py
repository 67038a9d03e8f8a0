"""Part 9's distortions and measurements, on real MNIST digits and the committed quick-profile networks."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from matplotlib.figure import Figure

from helpers import robustness as rb
from helpers import robustness_plots as rplots
from helpers.data import scale_pixels
from helpers.paths import PROJECT_ROOT
from helpers.statistics import Interval

QUICK_MODELS = PROJECT_ROOT / "executed" / "quick" / "models"


@pytest.fixture(scope="module")
def digits(mnist_raw) -> tuple[np.ndarray, np.ndarray]:
    """The first 300 test digits, scaled to [0, 1], and their labels."""
    _, (x_test, y_test) = mnist_raw
    return scale_pixels(x_test[:300]), y_test[:300]


@pytest.fixture(scope="module")
def networks() -> tuple[rb.Network, rb.Network]:
    """The quick profile's saved dense network and LeNet, from their .h5 files."""
    dense = rb.Network("dense", keras.models.load_model(QUICK_MODELS / "MNIST_dense128.h5"), padded=False)
    lenet = rb.Network("LeNet", keras.models.load_model(QUICK_MODELS / "MNIST_LeNet60.h5"), padded=True)
    return dense, lenet


def _dot(row: int, col: int) -> np.ndarray:
    image = np.zeros((1, 28, 28), dtype=np.float32)
    image[0, row, col] = 1.0
    return image


# --- shifts -------------------------------------------------------------------------------------------


def test_shift_moves_right_and_down_and_fills_with_black(digits):
    images, _ = digits
    moved = rb.shift(images, 2, -3)
    assert moved.shape == images.shape
    np.testing.assert_array_equal(moved[:, :-3, 2:], images[:, 3:, :-2])  # right by 2, up by 3
    assert not moved[:, :, :2].any() and not moved[:, -3:, :].any()  # vacated: black
    assert np.argwhere(rb.shift(_dot(10, 10), 1, 0)[0]).tolist() == [[10, 11]]
    assert np.argwhere(rb.shift(_dot(10, 10), 0, 1)[0]).tolist() == [[11, 10]]
    np.testing.assert_array_equal(rb.shift(images, 0, 0), images)
    with pytest.raises(ValueError, match="whole pixels"):
        rb.shift(images, 1.5, 0)


def test_ink_is_lost_only_past_the_20_pixel_box_mnist_centred_digits_in(digits):
    images, _ = digits
    assert rb.ink_kept(images, 2, 0) > 0.995 and rb.ink_kept(images, 0, -2) > 0.99
    assert rb.ink_kept(images, 0, 6) < 0.95  # tall digits lose rows at the bottom
    assert rb.ink_kept(_dot(27, 5), 0, 1) == 0.0
    whole = rb.stays_whole(images, 6)
    assert 0 < whole.sum() < len(images)
    assert all(rb.ink_kept(images[k : k + 1], dx, 0) > 1 - 1e-6 for k in np.flatnonzero(whole)[:20] for dx in (-6, 6))
    assert any(rb.ink_kept(images[k : k + 1], dx, 0) < 0.999 for k in np.flatnonzero(~whole)[:5] for dx in (-6, 6))


# --- rotation, scale ----------------------------------------------------------------------------------


def test_rotation_turns_anticlockwise_about_the_centre_of_mass(digits):
    pair = np.zeros((1, 28, 28), dtype=np.float32)
    pair[0, 14, 14], pair[0, 14, 20] = 1.0, 0.5  # centre of mass (14, 16)
    turned = rb.rotate(pair, 90)[0]
    # anticlockwise on screen: the faint dot 4 px right of the centre goes 4 px above it, the other below
    assert turned[10, 16] == pytest.approx(0.5, abs=1e-5) and turned[16, 16] == pytest.approx(1.0, abs=1e-5)
    assert turned.sum() == pytest.approx(1.5, abs=1e-4)
    assert rb.rotate(pair, -90)[0][18, 16] == pytest.approx(0.5, abs=1e-5)
    images, _ = digits
    np.testing.assert_allclose(rb.rotate(images[:20], 0), images[:20], atol=1e-6)
    np.testing.assert_allclose(
        rb.centres_of_mass(rb.rotate(images[:20], 30)), rb.centres_of_mass(images[:20]), atol=0.6
    )


def test_rescale_grows_and_shrinks_about_the_centre_of_mass(digits):
    images, _ = digits
    np.testing.assert_allclose(rb.rescale(images[:20], 1.0), images[:20], atol=1e-6)

    def height(image):
        rows = np.nonzero(image.max(axis=1) > 0.5)[0]
        return np.ptp(rows)

    for image in images[:10]:
        assert height(rb.rescale(image[None], 0.6)[0]) == pytest.approx(0.6 * height(image), abs=2)
    np.testing.assert_allclose(
        rb.centres_of_mass(rb.rescale(images[:20], 0.7)), rb.centres_of_mass(images[:20]), atol=0.6
    )
    assert rb.rescale(images[:5], 1.3).max() <= 1.0
    with pytest.raises(ValueError):
        rb.rescale(images, 0)


# --- noise, occlusion, inversion ----------------------------------------------------------------------


def test_noise_is_seeded_scaled_and_clipped(digits):
    images, _ = digits
    noisy = rb.add_noise(images, 0.3, seed=1)
    np.testing.assert_array_equal(noisy, rb.add_noise(images, 0.3, seed=1))
    assert not np.array_equal(noisy, rb.add_noise(images, 0.3, seed=2))
    assert noisy.min() >= 0 and noisy.max() <= 1
    background = images == 0
    # clipping at 0 keeps the positive half of N(0, 0.3) on the background: mean 0.3 / sqrt(2 pi)
    assert noisy[background].mean() == pytest.approx(0.3 / np.sqrt(2 * np.pi), rel=0.05)
    np.testing.assert_array_equal(rb.add_noise(images, 0.0, seed=1), images)


def test_occlusion_blacks_out_a_square_on_a_stroke_the_same_at_every_size(digits):
    images, _ = digits
    centres = rb.occlusion_centres(images, seed=3)
    np.testing.assert_array_equal(centres, rb.occlusion_centres(images, seed=3))
    assert all(images[k, r, c] > rb.INK for k, (r, c) in enumerate(centres))
    hidden = rb.occlude(images, 6, centres)
    for k, (r, c) in enumerate(centres[:50]):
        window = hidden[k, max(0, r - 3) : r + 3, max(0, c - 3) : c + 3]
        assert not window.any()
        changed = hidden[k] != images[k]
        rows, cols = np.nonzero(changed)
        assert rows.min() >= r - 3 and rows.max() <= r + 2 and cols.min() >= c - 3 and cols.max() <= c + 2
    corner = rb.occlude(np.ones((1, 28, 28), np.float32), 4, np.array([[0, 27]]))
    assert (corner == 0).sum() == 2 * 3  # clipped by the frame: rows 0-1, columns 25-27
    np.testing.assert_array_equal(rb.occlude(images, 0, centres), images)
    assert (rb.occlude(images, 14, centres) == 0).sum() > (hidden == 0).sum()


def test_inversion():
    image = np.array([[[0.0, 0.25, 1.0]]], dtype=np.float32)
    np.testing.assert_allclose(rb.invert(image), [[[1.0, 0.75, 0.0]]])


def test_tolerance_walks_out_from_the_weakest_setting():
    shifts = [-3, -2, -1, 0, 1, 2, 3]
    accuracy = [0.2, 0.8, 0.95, 0.99, 0.96, 0.85, 0.5]
    assert rb.tolerance(shifts, accuracy, 0.9) == 1
    assert rb.tolerance(shifts, accuracy, 0.8) == 2
    assert rb.tolerance(shifts, accuracy, 0.1) == 3
    assert rb.tolerance(shifts, accuracy, 0.995) is None
    assert rb.tolerance([0, 0.1, 0.2], [0.9, 0.5, 0.95], 0.8) == 0  # stops at the first drop


def test_the_distortion_registry_applies_each_kind_with_its_seed(digits):
    images = digits[0][:4]
    assert np.array_equal(rb.DISTORTIONS["rotation"].at(0)(images, 15), rb.rotate(images, 15))
    assert np.array_equal(rb.DISTORTIONS["scale"].at(0)(images, 0.8), rb.rescale(images, 0.8))
    assert np.array_equal(rb.DISTORTIONS["noise"].at(7)(images, 0.3), rb.add_noise(images, 0.3, 7))
    assert not np.array_equal(rb.DISTORTIONS["noise"].at(7)(images, 0.3), rb.DISTORTIONS["noise"].at(8)(images, 0.3))
    hidden = rb.DISTORTIONS["occlusion"].at(3)(images, 6)
    assert np.array_equal(hidden, rb.occlude(images, 6, rb.occlusion_centres(images, 3)))
    assert np.array_equal(rb.DISTORTIONS["inversion"].at(0)(images, 1), rb.invert(images))
    assert np.array_equal(rb.DISTORTIONS["inversion"].at(0)(images, 0), images)
    assert [rb.DISTORTIONS[k].label(v) for k, v in (("rotation", 20), ("scale", 0.6), ("inversion", 1))] == [
        "20°",
        "×0.6",
        "inverted",
    ]


def test_at_strength_picks_the_row_of_a_strength():
    correct = np.array([[True, False], [False, False], [True, True]])
    assert rb.at_strength(correct, [0, 0.3, 0.5], 0.3).tolist() == [False, False]
    with pytest.raises(ValueError):
        rb.at_strength(correct, [0, 0.3, 0.5], 0.4)


# --- the networks ---------------------------------------------------------------------------------------


def test_networks_read_digits_and_lenet_gets_them_padded(digits, networks):
    images, labels = digits
    dense, lenet = networks
    assert lenet.inputs(images[:2]).shape == (2, 32, 32, 1) and dense.inputs(images[:2]).shape == (2, 28, 28)
    for net in networks:
        assert net.correct(images, labels).mean() > 0.7  # 3 epochs on 6,000 digits: far above chance
        assert net.correct(rb.shift(images, 6, 6), labels).mean() < net.correct(images, labels).mean() - 0.2
        assert net.probabilities(images[:5]).shape == (5, 10)


def test_scoring_in_chunks_gives_the_same_answers_as_one_set_at_a_time(digits, networks, monkeypatch):
    images, labels = digits
    sets = [rb.shift(images, d, 0) for d in (-2, 0, 2)]
    one_by_one = {net.name: np.stack([net.correct(s, labels) for s in sets]) for net in networks}
    monkeypatch.setattr(rb, "CHUNK", 500)  # two sets per chunk, then one
    chunked = rb.score_sets(networks, iter(sets), labels)
    for name in one_by_one:
        np.testing.assert_array_equal(chunked[name], one_by_one[name])
    grid = rb.shift_grid(networks, images[:50], labels[:50], [-1, 0, 1])
    assert grid["LeNet"].shape == (3, 3, 50)
    np.testing.assert_array_equal(grid["dense"][1, 2], networks[0].correct(rb.shift(images[:50], 1, 0), labels[:50]))
    np.testing.assert_array_equal(grid["dense"][2, 1], networks[0].correct(rb.shift(images[:50], 0, 1), labels[:50]))


def test_lenets_convolutions_follow_a_shift_and_its_dense_head_does_not(digits, networks):
    images, _ = digits
    _, lenet = networks
    whole = images[rb.stays_whole(images, 4)][:60]
    stages = rb.feature_maps(lenet.model, ["conv_0", "pool_0", "conv_1", "pool_1", "dense_0"])
    strides = [1, 2, 2, 4, None]
    assert rb.equivariance_error(stages, whole, 0, 0, strides) == pytest.approx([0] * 5, abs=1e-6)
    conv_0, pool_0, _, pool_1, dense_0 = np.array(
        [rb.equivariance_error(stages, whole, dx, 0, strides) for dx in (1, 2, 3, 4)]
    ).T
    assert np.all(conv_0 < 1e-4)  # exact, up to float rounding
    assert pool_0[1] < 1e-4 and pool_0[3] < 1e-4 and pool_0[0] > 0.2 and pool_0[2] > 0.2  # whole cells only
    assert pool_1[3] < 1e-4 and pool_1[1] > 0.2  # cells of 4 pixels
    assert np.all(dense_0 > 0.05) and dense_0[3] > 100 * pool_1[3]  # the head does not follow even then
    invariance = np.array([rb.invariance_error(stages, whole, dx, 0) for dx in (1, 4)])
    assert rb.invariance_error(stages, whole, 0, 0) == pytest.approx([0] * 5, abs=1e-6)
    assert invariance[1, 0] > 0.5  # conv_0 follows a shift exactly, so its maps change
    assert invariance[0, 4] == pytest.approx(dense_0[0])  # for a flat output both measures are the same


def test_shift_maps_fills_vacated_cells_per_channel():
    maps = np.arange(2 * 3 * 3 * 2, dtype=np.float32).reshape(2, 3, 3, 2)
    moved = rb.shift_maps(maps, 1, 0, np.array([-1.0, -2.0]))
    np.testing.assert_array_equal(moved[:, :, 1:], maps[:, :, :-1])
    np.testing.assert_array_equal(moved[:, :, 0, 0], -1.0)
    np.testing.assert_array_equal(moved[:, :, 0, 1], -2.0)


# --- figures --------------------------------------------------------------------------------------------


def _render(fig: Figure) -> None:
    fig.canvas.draw()


def test_figures_draw_every_network_and_setting(digits, networks):
    images, labels = digits
    interval = Interval(0.9, 0.85, 0.95)
    fig = rplots.accuracy_curves(
        [0, 10, 20], {"dense": [interval] * 3, "LeNet": [interval] * 3}, title="t", x_title="x"
    )
    _render(fig)
    assert len(fig.axes[0].get_lines()) == 3  # two networks and the chance line
    fig = rplots.shift_heatmaps({"dense": np.full((3, 3), 0.5), "LeNet": np.eye(3)}, [-1, 0, 1], title="t")
    _render(fig)
    assert len(fig.axes[0].texts) == 9 and fig.axes[1].texts[0].get_text() == "100"
    values = ["0", "1", "2"]
    distorted = [rb.shift(images[:2], d, 0) for d in range(3)]
    probabilities = {net.name: [net.probabilities(d) for d in distorted] for net in networks}
    fig = rplots.distorted_examples(distorted, labels[:2], values, probabilities, title="t")
    _render(fig)
    assert len(fig.axes) == 6 and all(len(ax.texts) == 2 for ax in fig.axes)
    wrong = [t for ax in fig.axes for t in ax.texts if t.get_text().startswith("✗")]
    expected = sum(
        int(np.argmax(p[col][row]) != labels[row])
        for p in probabilities.values()
        for col in range(3)
        for row in range(2)
    )
    assert len(wrong) == expected
    fig = rplots.accuracy_bars(["a", "b"], {"dense": [interval, interval], "LeNet": [interval, interval]}, title="t")
    _render(fig)
    assert len(fig.axes[0].patches) == 4 and fig.axes[0].texts[0].get_text() == "90.0"
    fig = rplots.shift_error_curves(
        [0, 1, 2], {"conv_0": [0, 0, 0]}, {"conv_0": [0, 0.5, 1], "dense_0": [0, 0.2, 0.4]}, title="t"
    )
    _render(fig)
    assert [len(ax.get_lines()) for ax in fig.axes[:2]] == [1, 2]
    assert fig.axes[0].get_ylim() == fig.axes[1].get_ylim()  # one scale for both measures


@pytest.mark.slow
def test_part_12_refuses_a_sweep_without_the_settings_its_summary_reports(tmp_path):
    import jupytext
    import papermill

    from helpers.build.run import KERNEL_NAME, with_kernel

    notebook = with_kernel(jupytext.read(PROJECT_ROOT / "notebooks" / "12_distortions.py"))
    with pytest.raises(papermill.PapermillExecutionError) as failure:
        papermill.execute_notebook(
            notebook,
            str(tmp_path / "out.ipynb"),
            parameters={"angles": [-10, 0, 10], "output_dir": str(tmp_path)},
            kernel_name=KERNEL_NAME,
            progress_bar=False,
        )
    assert failure.value.ename == "ParameterError"
    assert "angles must include [-20, 20]" in failure.value.evalue
    assert not (tmp_path / "results").exists()
