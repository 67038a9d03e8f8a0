"""The weight export the "Try it yourself" page runs on (helpers/build/weights.py): exact, complete, refusing
what the page's forward pass cannot compute; and the site's copy of the published networks is exported from them."""

from __future__ import annotations

import base64
import json

import keras
import numpy as np
import pytest

from helpers.build.try_page import model_files
from helpers.build.weights import UnsupportedLayerError, decode, encode, export_network
from helpers.paths import PROJECT_ROOT


def _lenet_like() -> keras.Sequential:
    """A small network with every layer kind the saved networks use, its weights drawn from a seed."""
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((12, 12, 1)),
            keras.layers.Conv2D(3, 3, activation="relu", name="conv_0"),
            keras.layers.AveragePooling2D(2, name="pool_0"),
            keras.layers.Conv2D(4, 3, activation="relu", name="conv_1"),
            keras.layers.MaxPooling2D(2, name="pool_1"),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dropout(0.5, name="dropout_0"),
            keras.layers.Dense(7, activation="relu", name="dense_0"),
            keras.layers.Dense(10, activation="softmax", name="dense_1"),
        ]
    )


def _forward(exported: dict, image: np.ndarray) -> np.ndarray:
    """What the page computes from an export (assets/try-networks.js), in NumPy: the export is all it needs."""
    x = image.astype(np.float64).reshape(exported["input"])
    for layer in exported["layers"]:
        kind = layer["type"]
        if kind == "Conv2D":
            kernel, bias = decode(layer["kernel"]), decode(layer["bias"])
            kh, kw = kernel.shape[:2]
            h, w = x.shape[0] - kh + 1, x.shape[1] - kw + 1
            windows = [[x[i : i + kh, j : j + kw] for j in range(w)] for i in range(h)]
            x = np.array([[np.tensordot(window, kernel, 3) for window in row] for row in windows]) + bias
        elif kind.endswith("Pooling2D"):
            ph, pw = layer["pool"]
            h, w = x.shape[0] // ph, x.shape[1] // pw
            blocks = x[: h * ph, : w * pw].reshape(h, ph, w, pw, -1)
            x = blocks.max(axis=(1, 3)) if kind == "MaxPooling2D" else blocks.mean(axis=(1, 3))
        elif kind == "Flatten":
            x = x.reshape(-1)
        else:
            x = x @ decode(layer["kernel"]) + decode(layer["bias"])
        activation = layer.get("activation", "linear")
        if activation == "relu":
            x = np.maximum(x, 0)
        elif activation == "softmax":
            x = np.exp(x - x.max()) / np.exp(x - x.max()).sum()
    return x


def test_encoding_keeps_every_bit_as_little_endian_float32():
    values = np.array([[1.0, -2.5], [np.pi, 1e-30]], dtype=np.float32)
    encoded = encode(values)
    assert encoded["shape"] == [2, 2]
    assert base64.b64decode(encoded["float32"])[:4] == b"\x00\x00\x80\x3f"  # 1.0, least significant byte first
    assert decode(encoded).tobytes() == values.tobytes()


def test_export_holds_each_computing_layer_with_its_exact_weights_and_skips_dropout():
    model = _lenet_like()
    exported = export_network(model)
    assert exported["input"] == [12, 12, 1]
    names = [layer["name"] for layer in exported["layers"]]
    assert names == ["conv_0", "pool_0", "conv_1", "pool_1", "flatten", "dense_0", "dense_1"]
    for layer in exported["layers"]:
        if "kernel" in layer:
            kernel, bias = model.get_layer(layer["name"]).get_weights()
            assert np.array_equal(decode(layer["kernel"]), kernel) and np.array_equal(decode(layer["bias"]), bias)
    assert json.dumps(exported) == json.dumps(export_network(model))  # the same network, the same bytes


def test_the_export_alone_computes_what_keras_predicts():
    model = _lenet_like()
    images = np.random.default_rng(0).random((5, 12, 12, 1), dtype=np.float32)
    expected = model.predict(images, verbose=0)
    exported = export_network(model)
    computed = np.array([_forward(exported, image) for image in images])
    assert np.abs(computed - expected).max() < 1e-5


@pytest.mark.parametrize(
    "layer",
    [
        keras.layers.Conv2D(2, 3, padding="same", name="padded"),
        keras.layers.Conv2D(2, 3, strides=2, name="strided"),
        keras.layers.Dense(4, activation="tanh", name="tanh"),
        keras.layers.BatchNormalization(name="batch_norm"),
    ],
)
def test_a_layer_the_page_cannot_compute_stops_the_export_naming_it(layer):
    model = keras.Sequential([keras.Input((8, 8, 1)), layer])
    with pytest.raises(UnsupportedLayerError, match=layer.name):
        export_network(model)


def test_the_published_networks_export_with_their_saved_weights():
    for name, path in model_files(PROJECT_ROOT / "executed" / "quick").items():
        model = keras.models.load_model(path)
        exported = export_network(model)
        kernels = [decode(layer["kernel"]) for layer in exported["layers"] if "kernel" in layer]
        assert (
            sum(k.size for k in kernels)
            + sum(decode(layer["bias"]).size for layer in exported["layers"] if "bias" in layer)
            == model.count_params()
        ), name
