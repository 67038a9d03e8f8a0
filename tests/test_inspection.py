"""Looking inside the saved networks: each measurement checked against its definition on real digits."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from helpers import inspection
from helpers import inspection_plots as iplots
from helpers.data import pad_to_32, scale_pixels
from helpers.paths import PROJECT_ROOT

QUICK_MODELS = PROJECT_ROOT / "executed" / "quick" / "models"


@pytest.fixture(scope="module")
def dense() -> keras.Model:
    return keras.models.load_model(QUICK_MODELS / "MNIST_dense128.h5")


@pytest.fixture(scope="module")
def lenet() -> keras.Model:
    return keras.models.load_model(QUICK_MODELS / "MNIST_LeNet60.h5")


@pytest.fixture(scope="module")
def digits(mnist_raw) -> tuple[np.ndarray, np.ndarray]:
    """Eight real test digits, scaled to [0, 1], and their labels."""
    _, (x_test, y_test) = mnist_raw
    return scale_pixels(x_test[:8]), y_test[:8]


def _linear_classifier() -> tuple[keras.Model, np.ndarray, np.ndarray]:
    """Flatten + one softmax layer with known weights: its class scores are ``x @ W + b`` exactly."""
    rng = np.random.default_rng(0)
    weights, bias = rng.normal(size=(784, 10)).astype("float32"), rng.normal(size=10).astype("float32")
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, "softmax")])
    model.layers[-1].set_weights([weights, bias])
    return model, weights, bias


def test_layer_outputs_are_what_each_layer_computes(lenet, dense, digits):
    images, _ = digits
    padded = pad_to_32(images)
    maps = inspection.layer_outputs(lenet, ["conv_0", "pool_0"], padded)
    assert maps["conv_0"].shape == (8, 30, 30, 6) and maps["pool_0"].shape == (8, 15, 15, 6)
    pooled = maps["conv_0"].reshape(8, 15, 2, 15, 2, 6).mean(axis=(2, 4))  # 2x2 average pooling by hand
    np.testing.assert_allclose(maps["pool_0"], pooled, rtol=1e-5, atol=1e-6)
    kernel, bias = dense.get_layer("dense_0").get_weights()
    hidden = inspection.layer_outputs(dense, ["dense_0"], images)["dense_0"]
    np.testing.assert_allclose(hidden, np.maximum(images.reshape(8, -1) @ kernel + bias, 0), rtol=1e-4, atol=1e-5)
    assert inspection.fraction_silent(hidden) == pytest.approx(np.mean(hidden == 0))
    assert 0 < inspection.fraction_silent(hidden) < 1  # a ReLU layer: some units fire, some do not


def test_dead_units_and_class_means_count_per_unit_and_per_class():
    activations = np.array([[0.0, 1.0, 0.0], [0.0, 3.0, 2.0], [0.0, 0.0, 4.0]])
    assert inspection.dead_units(activations) == 1
    labels = np.array([0, 0, 1])
    means = inspection.class_means(activations, labels)
    assert means.shape == (10, 3)
    np.testing.assert_allclose(means[0], [0.0, 2.0, 1.0])
    np.testing.assert_allclose(means[1], [0.0, 0.0, 4.0])


def test_selectivity_is_the_favourite_class_share_of_each_firing_unit():
    one_class = np.zeros((10, 2))
    one_class[3, 0], one_class[7, 1] = 2.0, 5.0
    assert inspection.selectivity(one_class) == 1.0
    assert inspection.selectivity(np.ones((10, 4))) == pytest.approx(0.1)
    mixed = np.column_stack([one_class[:, 0], np.ones(10), np.zeros(10)])  # the silent third unit does not count
    assert inspection.selectivity(mixed) == pytest.approx((1.0 + 0.1) / 2)


def test_saliency_is_the_gradient_of_the_logit_not_of_the_softmax(digits):
    model, weights, bias = _linear_classifier()
    images, labels = digits
    gradient = inspection.gradient_saliency(model, images, labels)
    np.testing.assert_allclose(gradient.reshape(8, -1), weights[:, labels].T, rtol=1e-5)
    scores = inspection.class_scores(model, images, labels)
    np.testing.assert_allclose(scores, (images.reshape(8, -1) @ weights + bias)[np.arange(8), labels], rtol=1e-4)


def test_saliency_of_lenet_matches_finite_differences(lenet, digits):
    images, _ = digits
    image = pad_to_32(images[:1])
    predicted = lenet.predict(image, verbose=0).argmax(axis=1)
    gradient = inspection.gradient_saliency(lenet, image, predicted)
    step = 1e-3
    # The three most sensitive pixels among those strictly inside (0, 1): at a pixel that is exactly 0
    # (most of the frame) the ReLUs it feeds sit at their kink, where a central difference straddles it.
    inside = np.flatnonzero((image.ravel() > 0.05) & (image.ravel() < 0.95))
    for flat in inside[np.argsort(np.abs(gradient.ravel()[inside]))[-3:]]:
        up, down = image.copy(), image.copy()
        up.flat[flat] += step
        down.flat[flat] -= step
        numeric = (inspection.class_scores(lenet, up, predicted) - inspection.class_scores(lenet, down, predicted)) / (
            2 * step
        )
        assert numeric[0] == pytest.approx(gradient.flat[flat], rel=0.05)


def test_integrated_gradients_of_a_linear_model_are_ink_times_weight(digits):
    model, weights, _ = _linear_classifier()
    images, labels = digits
    attributions = inspection.integrated_gradients(model, images, labels, steps=8)
    np.testing.assert_allclose(attributions.reshape(8, -1), images.reshape(8, -1) * weights[:, labels].T, rtol=1e-5)


@pytest.mark.parametrize("network", ["dense", "lenet"])
def test_integrated_gradients_add_up_to_the_score_gain_from_black(network, request, digits):
    model = request.getfixturevalue(network)
    images, _ = digits
    if network == "lenet":
        images = pad_to_32(images)
    predicted = model.predict(images, verbose=0).argmax(axis=1)
    attributions = inspection.integrated_gradients(model, images, predicted, steps=128)
    gain = inspection.class_scores(model, images, predicted) - inspection.class_scores(
        model, np.zeros_like(images), predicted
    )
    totals = attributions.reshape(len(images), -1).sum(axis=1)
    np.testing.assert_allclose(totals, gain, rtol=0.01, atol=0.01 * np.abs(gain).max())
    assert np.all(attributions[images == 0] == 0)  # a black baseline gives nothing to pixels without ink


def test_shares_near_ink_weigh_each_digit_alike(digits):
    images, _ = digits
    on_ink = np.where(images > 0.1, 1.0, 0.0)
    far = np.zeros_like(images)
    far[:, 0, 0] = 1.0  # the corner of every digit, far from its ink
    assert np.all(inspection.shares_near_ink(on_ink, images)[:, 0] == 1.0)
    assert np.all(inspection.shares_near_ink(far, images)[:, 0] == 0.0)
    mixed = inspection.shares_near_ink(on_ink - 3 * far, images)[:, 0]  # magnitudes count, whatever the sign
    inked = on_ink.sum(axis=(1, 2))
    np.testing.assert_allclose(mixed, inked / (inked + 3))
    scaled = inspection.shares_near_ink(on_ink * np.arange(1, len(images) + 1)[:, None, None], images)[:, 0]
    assert np.all(scaled == 1.0)  # one digit's larger saliency does not outweigh another's
    even, area = inspection.shares_near_ink(np.ones_like(images), images).T
    np.testing.assert_allclose(even, area)  # an even spread puts the region's share of the frame there
    assert np.all((images > 0.1).mean(axis=(1, 2)) < area) and np.all(area < 1)


def test_smoothgrad_averages_the_gradient_over_noisy_copies_and_randomising_changes_the_map(digits, dense):
    images, labels = digits
    plain = inspection.gradient_saliency(dense, images[:4], labels[:4])
    assert np.allclose(inspection.smoothgrad(dense, images[:4], labels[:4], samples=3, sigma=0.0), plain, atol=1e-6)
    smooth = inspection.smoothgrad(dense, images[:4], labels[:4], samples=4, sigma=0.2, seed=1)
    assert not np.allclose(smooth, plain)
    assert inspection.rank_similarity(plain, plain) == pytest.approx(1.0)
    zeros_outside = np.where(images[:4] > 0.1, plain, 0.0)
    shuffled = np.where(images[:4] > 0.1, np.random.default_rng(0).permutation(plain.ravel()).reshape(plain.shape), 0.0)
    tied = inspection.rank_similarity(zeros_outside, shuffled)  # shared zeros alone make two maps look alike
    assert tied > 0.5 and inspection.rank_similarity(zeros_outside, shuffled, within=images[:4] > 0.1) < 0.3
    fresh = inspection.randomized_copy(dense, seed=3)
    assert [w.shape for w in fresh.get_weights()] == [w.shape for w in dense.get_weights()]
    assert not np.allclose(fresh.get_weights()[0], dense.get_weights()[0])
    assert inspection.rank_similarity(plain, inspection.gradient_saliency(fresh, images[:4], labels[:4])) < 0.9


def test_cached_array_computes_once_per_key(tmp_path):
    calls = []

    def compute() -> np.ndarray:
        calls.append(1)
        return np.arange(6.0).reshape(3, 2)

    first, cached = inspection.cached_array({"a": 1}, compute, cache_dir=tmp_path)
    assert not cached and len(calls) == 1
    again, cached = inspection.cached_array({"a": 1}, compute, cache_dir=tmp_path)
    assert cached and len(calls) == 1
    np.testing.assert_array_equal(first, again)
    _, cached = inspection.cached_array({"a": 2}, compute, cache_dir=tmp_path)
    assert not cached and len(calls) == 2
    assert not list(tmp_path.glob("*.partial"))


def test_array_digest_changes_with_values_shape_and_dtype():
    array = np.arange(6, dtype=np.float32)
    digests = {
        inspection.array_digest(array),
        inspection.array_digest(array.reshape(2, 3)),
        inspection.array_digest(array.astype(np.float64)),
        inspection.array_digest(np.where(array == 5, 5.5, array).astype(np.float32)),
    }
    assert len(digests) == 4
    assert inspection.array_digest(array.copy()) == inspection.array_digest(array)


@pytest.mark.slow
def test_recorded_maps_read_back_exactly_and_the_same_maps_give_the_same_bytes(tmp_path):
    rng = np.random.default_rng(0)
    maps = {"raw pixels": rng.normal(size=(50, 2)), "LeNet, dense_1": rng.normal(size=(50, 2)).astype(np.float32)}
    path = inspection.save_maps(tmp_path, "14_part", maps)
    assert path == tmp_path / "results" / "14_part.maps.npy"
    first = path.read_bytes()
    back = inspection.load_maps(tmp_path, "14_part")
    assert list(back) == list(maps)
    for name, embedding in maps.items():
        assert back[name].dtype == np.float32 and np.array_equal(back[name], embedding.astype(np.float32))
    inspection.save_maps(tmp_path, "14_part", maps)
    assert path.read_bytes() == first


def test_umap_embedding_is_seeded_cached_and_keeps_clusters_apart(tmp_path):
    from sklearn.manifold import trustworthiness

    rng = np.random.default_rng(0)
    centres = rng.normal(scale=10, size=(3, 20))
    labels = np.repeat(np.arange(3), 60)
    features = (centres[labels] + rng.normal(size=(180, 20))).astype(np.float32)
    embedding, cached = inspection.umap_embedding(features, seed=1, neighbors=10, cache_dir=tmp_path)
    assert embedding.shape == (180, 2) and not cached
    again, cached = inspection.umap_embedding(features, seed=1, neighbors=10, cache_dir=tmp_path)
    assert cached
    np.testing.assert_array_equal(embedding, again)
    fresh, cached = inspection.umap_embedding(features, seed=1, neighbors=10, cache_dir=tmp_path / "other")
    assert not cached
    np.testing.assert_allclose(fresh, embedding, atol=1e-5)  # the seed alone fixes the map
    assert inspection.knn_accuracy(embedding, labels, embedding, labels, neighbors=3) == 1.0
    assert trustworthiness(features, embedding, n_neighbors=5) > 0.9


def test_knn_accuracy_is_a_nearest_neighbour_vote(small_mnist):
    train = small_mnist.x_train.reshape(len(small_mnist.x_train), -1)
    test = small_mnist.x_test.reshape(len(small_mnist.x_test), -1)
    accuracy = inspection.knn_accuracy(train, small_mnist.y_train, test, small_mnist.y_test, neighbors=1)
    distances = ((test[:, None, :] - train[None, :, :]) ** 2).sum(axis=2)
    by_hand = np.mean(small_mnist.y_train[distances.argmin(axis=1)] == small_mnist.y_test)
    assert accuracy == pytest.approx(by_hand)
    assert accuracy > 0.8  # raw pixels of real digits: a nearest neighbour is usually the same digit
    shuffled = np.random.default_rng(0).permutation(small_mnist.y_train)
    assert inspection.knn_accuracy(train, shuffled, test, small_mnist.y_test, neighbors=5) < 0.25


def test_mistake_groups_partition_the_digits_either_network_gets_wrong():
    labels = np.array([0, 1, 2, 3, 4, 5, 6])
    first = np.array([0, 7, 7, 3, 7, 5, 6])
    second = np.array([0, 7, 2, 7, 4, 5, 8])
    groups = inspection.mistake_groups(labels, first, second)
    assert groups["both"].tolist() == [1]
    assert groups["only first"].tolist() == [2, 4]
    assert groups["only second"].tolist() == [3, 6]
    examples = inspection.pick_examples(labels, first, second, per_group=1)
    assert {k: v.tolist() for k, v in examples.items()} == {
        "both right": [0],
        "only first wrong": [2],
        "only second wrong": [3],
    }


def test_pick_examples_takes_right_digits_of_distinct_classes_in_test_order():
    labels = np.array([7, 7, 2, 1, 2, 0])
    both_right = labels.copy()
    examples = inspection.pick_examples(labels, both_right, both_right, per_group=3)
    assert examples["both right"].tolist() == [0, 2, 3]
    assert examples["only first wrong"].size == 0


def test_confusion_differences_rank_pairs_by_the_gap_between_the_networks():
    labels = np.array([5] * 6 + [7] * 4 + [4] * 3)
    first = np.array([3, 3, 3, 3, 5, 5, 2, 2, 7, 7, 9, 9, 9])  # 5 as 3: 4 times, 7 as 2: twice, 4 as 9: 3 times
    second = np.array([5, 5, 5, 5, 5, 3, 2, 2, 2, 7, 9, 9, 9])  # 5 as 3: once, 7 as 2: 3 times, 4 as 9: 3 times
    assert inspection.confusion_differences(labels, first, second, count=3) == [
        (5, 3, 4, 1),
        (7, 2, 2, 3),
        (4, 9, 3, 3),  # the most frequent mistake overall, but both networks make it equally often
    ]


def test_agreement_says_whether_a_reloaded_network_scores_as_recorded():
    assert inspection.agreement(0.9811, 0.98110001, same_digits=True).startswith("as recorded (98.11%)")
    assert "NOT the network" in inspection.agreement(0.9805, 0.9811, same_digits=True)
    assert "not comparable" in inspection.agreement(0.873, 0.865, same_digits=False)


def test_figures_lay_out_every_panel(dense, lenet, digits):
    images, labels = digits
    padded = pad_to_32(images)
    fig = iplots.first_layer_figure(
        dense.get_layer("dense_0").get_weights()[0], lenet.get_layer("conv_0").get_weights()[0]
    )
    fig.canvas.draw()
    assert sum(len(ax.images) for ax in fig.axes) == 128 + 6
    maps = inspection.layer_outputs(lenet, ["conv_0", "pool_0", "conv_1", "pool_1"], padded[:2])
    fig = iplots.feature_maps_figure(
        images[:2], maps, layout=[["conv_1"], ["pool_1"]], row_labels=["a", "b"], title="t"
    )
    fig.canvas.draw()
    assert sum(len(ax.images) for ax in fig.axes) == 2 * (1 + 16 + 16)
    means = np.abs(np.random.default_rng(0).normal(size=(10, 6)))
    means[:, 2] = 0  # a unit that never fires
    fig = iplots.class_means_figure({"layer": means}, title="t")
    fig.canvas.draw()
    assert fig.axes[0].get_title() == "layer: 6 units; 1 never fires, right of the dashed line"
    assert not fig.axes[0].images[0].get_array()[:, -1].any()  # the silent unit is drawn last
    embedding = np.random.default_rng(0).normal(size=(8, 2))
    fig = iplots.embedding_figure([("raw", embedding, labels == 7)], labels, title="t")
    fig.canvas.draw()
    assert fig.axes[0].get_legend().get_texts()[0].get_text() == f"misclassified ({int((labels == 7).sum())})"
    fig = iplots.grouped_examples(images, {"g": np.array([3, 1])}, [str(y) for y in labels], columns=4, title="t")
    fig.canvas.draw()
    assert [ax.get_title() for ax in fig.axes[:2]] == [str(labels[3]), str(labels[1])]


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"umap_min_dist": 2}, "umap_min_dist must be a number in [0, 1], got 2"),
        ({"ig_steps": 4}, "ig_steps must be an integer of at least 8, got 4"),
    ],
)
@pytest.mark.slow
def test_part_10_refuses_a_bad_parameter_in_its_set_up_cell(parameters, message, tmp_path):
    # the series' check of every part's parameters (tests/test_notebooks.py), run on this part's own settings
    from test_notebooks import test_a_bad_parameter_stops_the_part_before_training_with_one_clear_message as refused

    refused("14_inside_the_networks", parameters, message, tmp_path)
