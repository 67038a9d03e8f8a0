"""A saved Keras network as plain data a web page can run: its layers, in order, with their weights.

The site's "Try it yourself" page (``helpers/build/try_page.py``) runs both saved networks in the
reader's browser with a short forward pass of its own (``assets/try-networks.js``). This module writes
what that forward pass reads: for each layer that computes something, its type, its settings and its
weights, each weight array as its shape and the base64 of its float32 values, little-endian, exactly
the bytes the ``.keras`` file holds (so the export is deterministic and loses nothing). Dropout layers
are left out: at inference they pass their input through unchanged.

Only the layer types and settings the series' two saved networks use are exported (``Dense``,
``Conv2D`` with stride 1 and no padding, ``AveragePooling2D`` and ``MaxPooling2D`` with the pool size as
stride, ``Flatten``; ReLU, softmax or no activation); anything else stops the build with a line saying
what, rather than giving the page a network it would compute wrongly.
"""

from __future__ import annotations

import base64
from typing import Any

import keras
import numpy as np

#: Activations the page's forward pass knows.
ACTIVATIONS = ("relu", "softmax", "linear")
#: Layers the page skips: the identity at inference.
SKIPPED = ("Dropout",)


class UnsupportedLayerError(ValueError):
    """A layer the page's forward pass cannot compute exactly."""


def encode(array: np.ndarray) -> dict[str, Any]:
    """``{"shape": [...], "float32": base64}``: the array's values as little-endian float32, in C order."""
    values = np.ascontiguousarray(array, dtype="<f4")
    return {"shape": list(values.shape), "float32": base64.b64encode(values.tobytes()).decode("ascii")}


def decode(encoded: dict[str, Any]) -> np.ndarray:
    """The array ``encode`` wrote (float32)."""
    values = np.frombuffer(base64.b64decode(encoded["float32"]), dtype="<f4")
    return values.reshape(encoded["shape"])


def _activation(layer: keras.layers.Layer) -> str:
    name = keras.activations.serialize(layer.activation)
    name = name if isinstance(name, str) else name.get("config", {}).get("name", str(name))
    if name not in ACTIVATIONS:
        raise UnsupportedLayerError(f"{layer.name}: activation {name!r} (the page computes {', '.join(ACTIVATIONS)})")
    return name


def _check(layer: keras.layers.Layer, condition: bool, what: str) -> None:
    if not condition:
        raise UnsupportedLayerError(f"{layer.name} ({type(layer).__name__}): {what}")


def export_layer(layer: keras.layers.Layer) -> dict[str, Any]:
    """One layer as the page reads it (see the module docstring)."""
    kind = type(layer).__name__
    entry: dict[str, Any] = {"name": layer.name, "type": kind}
    if kind == "Dense":
        _check(layer, layer.use_bias, "no bias")
        kernel, bias = layer.get_weights()
        entry.update(activation=_activation(layer), kernel=encode(kernel), bias=encode(bias))
    elif kind == "Conv2D":
        _check(layer, layer.use_bias, "no bias")
        _check(layer, tuple(layer.strides) == (1, 1) and tuple(layer.dilation_rate) == (1, 1), "strides or dilation")
        _check(layer, layer.padding == "valid" and layer.groups == 1, f"padding {layer.padding!r} or groups")
        _check(layer, layer.data_format == "channels_last", "channels first")
        kernel, bias = layer.get_weights()
        entry.update(activation=_activation(layer), kernel=encode(kernel), bias=encode(bias))
    elif kind in ("AveragePooling2D", "MaxPooling2D"):
        _check(layer, tuple(layer.strides) == tuple(layer.pool_size), "strides other than the pool size")
        _check(layer, layer.padding == "valid" and layer.data_format == "channels_last", "padding or channels")
        entry["pool"] = list(layer.pool_size)
    elif kind != "Flatten":
        raise UnsupportedLayerError(f"{layer.name}: a {kind} layer (the page computes Dense, Conv2D, pooling, Flatten)")
    return entry


def export_network(model: keras.Model) -> dict[str, Any]:
    """A Sequential network's input shape (without the batch) and its computing layers, in order."""
    _check(model, isinstance(model, keras.Sequential), "not a Sequential network")
    return {
        "input": list(model.input_shape[1:]),
        "layers": [export_layer(layer) for layer in model.layers if type(layer).__name__ not in SKIPPED],
    }
