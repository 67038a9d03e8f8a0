"""Looking inside a trained classifier: activations, saliency, 2-D maps of its representations, mistakes.

Part 14 uses these on the two networks the series saves (``MNIST_dense128`` and ``MNIST_LeNet60``).
Every function takes plain NumPy arrays and a Keras model whose last layer is a ``Dense`` layer with a
softmax, and returns NumPy arrays or numbers: the figures live in ``helpers.inspection_plots``.

Attributions (``gradient_saliency`` and ``integrated_gradients``) are taken on the *class score*, the
logit before the softmax, as in Simonyan et al. (2014) and Sundararajan et al. (2017): the softmax
probability of a confident prediction is flat, so its gradient says little.
"""

from __future__ import annotations

import hashlib
import io
import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from scipy import stats
from scipy.ndimage import binary_dilation
from sklearn.metrics import confusion_matrix
from sklearn.neighbors import KNeighborsClassifier

from helpers.files import atomic_write
from helpers.paths import embedding_cache, maps_path


# --- what the layers compute --------------------------------------------------------------------------
def layer_outputs(
    model: keras.Model, names: Sequence[str], images: np.ndarray, *, batch_size: int = 1000
) -> dict[str, np.ndarray]:
    """The outputs of the layers ``names`` for ``images`` (inference mode: dropout off), by layer name."""
    probe = keras.Model(model.inputs, [model.get_layer(name).output for name in names])
    outputs = probe.predict(images, batch_size=batch_size, verbose=0)
    if len(names) == 1:
        outputs = [outputs]
    return {name: np.asarray(output) for name, output in zip(names, outputs, strict=True)}


def fraction_silent(activations: np.ndarray) -> float:
    """The share of activations that are exactly zero (a ReLU unit that does not fire)."""
    return float(np.mean(np.asarray(activations) == 0))


def dead_units(activations: np.ndarray) -> int:
    """How many units (last axis) output zero for every digit: units that never fire on these digits."""
    flat = np.asarray(activations).reshape(-1, np.shape(activations)[-1])
    return int(np.sum(~flat.any(axis=0)))


def class_means(activations: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Mean activation of each unit over the digits of each class: shape ``(10, units)`` (NaN for an absent class)."""
    flat = np.asarray(activations).reshape(len(labels), -1)
    means = np.full((10, flat.shape[1]), np.nan)
    for digit in np.unique(labels):
        means[digit] = flat[labels == digit].mean(axis=0)
    return means


def selectivity(means: np.ndarray) -> float:
    """How class-specific the units are: each firing unit's share of its mean activation (``class_means``)
    that goes to its favourite class, averaged over the units. 1: every unit fires for one class only;
    0.1: every unit fires alike for all ten."""
    means = np.asarray(means)
    totals = means.sum(axis=0)
    firing = totals > 0
    return float(np.mean(means[:, firing].max(axis=0) / totals[firing]))


# --- where the network looks --------------------------------------------------------------------------
def logit_function(model: keras.Model) -> Callable[[tf.Tensor], tf.Tensor]:
    """A function from input images to the class scores before the softmax (the last layer's logits)."""
    last = model.layers[-1]
    if not isinstance(last, keras.layers.Dense) or last.activation is not keras.activations.softmax:
        raise ValueError(f"the last layer of {model.name} must be a Dense layer with a softmax, got {last.name}")
    body = keras.Model(model.inputs, model.layers[-2].output)

    def logits(images: tf.Tensor) -> tf.Tensor:
        return tf.matmul(body(images, training=False), last.kernel) + last.bias

    return logits


def class_scores(model: keras.Model, images: np.ndarray, classes: Sequence[int]) -> np.ndarray:
    """The logit of class ``classes[i]`` for image ``i``."""
    logits = logit_function(model)(tf.constant(images, tf.float32)).numpy()
    return logits[np.arange(len(images)), np.asarray(classes)]


def _score_gradients(logits: Callable[[tf.Tensor], tf.Tensor], images: np.ndarray, classes: np.ndarray) -> np.ndarray:
    x = tf.constant(images, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        scores = tf.gather(logits(x), tf.constant(classes, tf.int32), axis=1, batch_dims=1)
    return tape.gradient(scores, x).numpy()


def gradient_saliency(
    model: keras.Model, images: np.ndarray, classes: Sequence[int], *, batch_size: int = 1000
) -> np.ndarray:
    """Gradient of each image's class score with respect to its pixels: same shape as ``images``."""
    logits, images, classes = logit_function(model), np.asarray(images), np.asarray(classes)
    return np.concatenate(
        [
            _score_gradients(logits, images[start : start + batch_size], classes[start : start + batch_size])
            for start in range(0, len(images), batch_size)
        ]
    )


def smoothgrad(
    model: keras.Model,
    images: np.ndarray,
    classes: Sequence[int],
    *,
    samples: int = 32,
    sigma: float = 0.15,
    seed: int = 0,
) -> np.ndarray:
    """SmoothGrad (Smilkov et al., 2017): ``gradient_saliency`` averaged over ``samples`` copies of each image
    with Gaussian noise of standard deviation ``sigma`` added (on the [0, 1] pixel scale), drawn from ``seed``.
    Averaging removes the gradient's fast pixel-to-pixel fluctuations and keeps what is common to the copies."""
    images = np.asarray(images, np.float32)
    rng = np.random.default_rng(seed)
    total = np.zeros_like(images)
    for _ in range(samples):
        noisy = images + rng.normal(0.0, sigma, size=images.shape).astype(np.float32)
        total += gradient_saliency(model, noisy, classes)
    return total / samples


def randomized_copy(model: keras.Model, seed: int) -> keras.Model:
    """The same architecture with its weights drawn afresh by its initialisers (from ``seed``): the network
    before any training, for a model-randomisation sanity check of a saliency method (Adebayo et al., 2018)."""
    keras.utils.set_random_seed(seed)
    copy = keras.models.clone_model(model)
    copy.build(model.input_shape)
    return copy


def rank_similarity(first: np.ndarray, second: np.ndarray, within: np.ndarray | None = None) -> float:
    """The mean over images of the Spearman rank correlation between two saliency maps' absolute values:
    1 when they order the pixels the same way, about 0 when they are unrelated. ``within`` (booleans of the
    maps' shape) restricts each image to some of its pixels, e.g. its ink: pixels where both maps are 0
    by construction would otherwise tie and pull the correlation towards 1."""
    first, second = np.abs(first).reshape(len(first), -1), np.abs(second).reshape(len(second), -1)
    keep = np.ones_like(first, dtype=bool) if within is None else np.asarray(within).reshape(len(first), -1)
    pairs = zip(first, second, keep, strict=True)
    return float(np.mean([stats.spearmanr(a[k], b[k]).statistic for a, b, k in pairs]))


def shares_near_ink(saliency: np.ndarray, images: np.ndarray, *, radius: int = 2, ink: float = 0.1) -> np.ndarray:
    """For each image, the share of its saliency's absolute mass within ``radius`` pixels of ink (pixel >
    ``ink``), and the share of its frame that region covers: what an evenly spread saliency would put there.
    Returned as ``(n, 2)``: each image weighs the same, whatever its saliency's total."""
    structure = np.ones((1, 2 * radius + 1, 2 * radius + 1), dtype=bool)
    near = binary_dilation(np.asarray(images) > ink, structure=structure)
    magnitude = np.abs(saliency)
    mass = (magnitude * near).sum(axis=(1, 2)) / magnitude.sum(axis=(1, 2))
    return np.stack([mass, near.mean(axis=(1, 2))], axis=1)


def integrated_gradients(
    model: keras.Model,
    images: np.ndarray,
    classes: Sequence[int],
    *,
    baseline: np.ndarray | None = None,
    steps: int = 64,
) -> np.ndarray:
    """Integrated gradients of each image's class score from ``baseline`` (default: black, all zeros).

    The gradient is averaged along the straight path from the baseline to the image (trapezoidal rule,
    ``steps`` intervals) and multiplied by ``image - baseline``. The attributions of an image add up to
    its score minus the baseline's score (completeness), up to the error of the quadrature.
    """
    images = np.asarray(images, np.float32)
    baseline = np.zeros_like(images) if baseline is None else np.broadcast_to(baseline, images.shape)
    alphas = np.linspace(0.0, 1.0, steps + 1, dtype=np.float32)
    weights = np.full(steps + 1, 1.0 / steps)
    weights[[0, -1]] /= 2
    logits = logit_function(model)
    attributions = np.empty_like(images)
    for index, (image, start, target) in enumerate(zip(images, baseline, classes, strict=True)):
        delta = (image - start).astype(np.float32)
        path = start[np.newaxis] + alphas.reshape(-1, *[1] * image.ndim) * delta[np.newaxis]
        gradients = _score_gradients(logits, path, np.full(steps + 1, target))
        attributions[index] = delta * np.tensordot(weights, gradients, axes=1)
    return attributions


# --- how the network arranges the digits --------------------------------------------------------------
def array_digest(array: np.ndarray) -> str:
    """SHA-256 of an array's dtype, shape and bytes: two arrays with the same digest are identical."""
    array = np.ascontiguousarray(array)
    digest = hashlib.sha256(f"{array.dtype.str}{array.shape}".encode())
    digest.update(array.tobytes())
    return digest.hexdigest()


def cached_array(
    key: Mapping[str, Any], compute: Callable[[], np.ndarray], *, cache_dir: Path | None = None
) -> tuple[np.ndarray, bool]:
    """``compute()``'s array, kept in ``cache_dir`` under a name derived from ``key`` (plain JSON data).

    Returns the array and whether it came from the cache. A file is written whole or not at all.
    ``cache_dir`` defaults to ``helpers.paths.embedding_cache()``.
    """
    cache_dir = embedding_cache() if cache_dir is None else cache_dir
    name = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:24]
    path = cache_dir / f"{name}.npy"
    if path.is_file():
        return np.load(path), True
    array = np.asarray(compute())
    buffer = io.BytesIO()
    np.save(buffer, array)
    with atomic_write(path) as tmp:
        tmp.write(buffer.getvalue())
    return array, False


def umap_embedding(
    features: np.ndarray,
    *,
    seed: int,
    neighbors: int = 15,
    min_dist: float = 0.1,
    cache_dir: Path | None = None,
) -> tuple[np.ndarray, bool]:
    """A seeded 2-D UMAP embedding of ``features`` (one row per digit), and whether it came from the cache.

    The cache key is what determines the embedding: the features themselves (their digest), the UMAP
    settings, the seed and umap-learn's version. A seeded UMAP runs on one thread and gives the same
    map for the same inputs.
    """
    with warnings.catch_warnings():  # umap imports tqdm.auto, which notes that ipywidgets is absent (on purpose)
        warnings.simplefilter("ignore")
        import umap  # compiled by numba on first use: imported only when needed

    features = np.asarray(features, np.float32).reshape(len(features), -1)
    settings = {"n_neighbors": neighbors, "min_dist": min_dist, "random_state": seed, "n_components": 2}
    key = {"features": array_digest(features), "umap": settings, "umap-learn": umap.__version__}

    def fit() -> np.ndarray:
        return umap.UMAP(**settings, n_jobs=1).fit_transform(features).astype(np.float32)

    return cached_array(key, fit, cache_dir=cache_dir)


def save_maps(folder: Path, part: str, maps: Mapping[str, np.ndarray]) -> Path:
    """Record 2-D maps of the test digits (each ``(n, 2)``, row i: test digit i) beside ``part``'s results.

    One ``.npy`` file (``helpers.paths.maps_path``) holding a table with one float32 ``(x, y)`` column per
    map, named as in ``maps``: the site draws it as an interactive map without running UMAP again. The
    same maps give the same bytes.
    """
    table = np.zeros(len(next(iter(maps.values()))), dtype=[(name, "<f4", (2,)) for name in maps])
    for name, embedding in maps.items():
        table[name] = embedding
    buffer = io.BytesIO()
    np.save(buffer, table)
    path = maps_path(folder, part)
    with atomic_write(path) as tmp:
        tmp.write(buffer.getvalue())
    return path


def load_maps(folder: Path, part: str) -> dict[str, np.ndarray]:
    """The maps ``save_maps`` recorded for ``part`` in ``folder``, by name, each ``(n, 2)`` float32."""
    table = np.load(maps_path(folder, part))
    return {name: np.asarray(table[name]) for name in table.dtype.names}


def knn_accuracy(
    train_features: np.ndarray,
    train_labels: np.ndarray,
    test_features: np.ndarray,
    test_labels: np.ndarray,
    *,
    neighbors: int = 5,
) -> float:
    """Test accuracy of a k-nearest-neighbour vote (Euclidean) among the training digits' features."""
    classifier = KNeighborsClassifier(n_neighbors=neighbors, algorithm="brute")
    classifier.fit(np.reshape(train_features, (len(train_labels), -1)), train_labels)
    return float(classifier.score(np.reshape(test_features, (len(test_labels), -1)), test_labels))


# --- mistakes -----------------------------------------------------------------------------------------
def mistake_groups(labels: np.ndarray, first: np.ndarray, second: np.ndarray) -> dict[str, np.ndarray]:
    """Indices of the digits both predictions get wrong, only ``first`` gets wrong, only ``second`` does."""
    wrong_first, wrong_second = first != labels, second != labels
    return {
        "both": np.flatnonzero(wrong_first & wrong_second),
        "only first": np.flatnonzero(wrong_first & ~wrong_second),
        "only second": np.flatnonzero(~wrong_first & wrong_second),
    }


def pick_examples(
    labels: np.ndarray, first: np.ndarray, second: np.ndarray, *, per_group: int
) -> dict[str, np.ndarray]:
    """Up to ``per_group`` test digits from each of: both right (distinct digits), only ``first`` wrong,
    only ``second`` wrong. The first ones in test-set order, so a rerun picks the same digits."""
    groups = mistake_groups(labels, first, second)
    right = np.flatnonzero((first == labels) & (second == labels))
    _, first_of_each_digit = np.unique(labels[right], return_index=True)
    return {
        "both right": np.sort(right[first_of_each_digit])[:per_group],
        "only first wrong": groups["only first"][:per_group],
        "only second wrong": groups["only second"][:per_group],
    }


def confusion_differences(
    labels: np.ndarray, first: np.ndarray, second: np.ndarray, *, count: int = 5
) -> list[tuple[int, int, int, int]]:
    """The ``count`` mistakes (true digit, predicted digit) whose frequency differs most between the two
    predictions, as ``(true, predicted, times in first, times in second)``; ties go to the more frequent."""
    a = confusion_matrix(labels, first, labels=range(10))
    b = confusion_matrix(labels, second, labels=range(10))
    np.fill_diagonal(a, 0)
    np.fill_diagonal(b, 0)
    cells = [(t, p) for t in range(10) for p in range(10) if a[t, p] or b[t, p]]
    cells.sort(key=lambda c: (-abs(int(a[c]) - int(b[c])), -(int(a[c]) + int(b[c])), c))
    return [(t, p, int(a[t, p]), int(b[t, p])) for t, p in cells[:count]]


# --- checks for the prose ------------------------------------------------------------------------------
def agreement(measured: float, recorded: float, *, same_digits: bool) -> str:
    """Whether an accuracy measured again equals the one recorded when the network was trained.

    On the same test digits a saved network must score what it scored before (to 0.005 points, float32
    round-off); on other digits the two are not comparable.
    """
    if not same_digits:
        return f"recorded {recorded:.2%} on other test digits: not comparable"
    if abs(measured - recorded) <= 5e-5:
        return f"as recorded ({recorded:.2%}): the same network"
    return f"recorded {recorded:.2%}: NOT the network that was measured"
