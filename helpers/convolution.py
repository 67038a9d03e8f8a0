"""A convolution is a dense layer with local, shared weights: the unrolled kernel, a locally connected
layer (local windows without the sharing), and a fixed shuffle of the pixels (part 9, "Why
convolutions win").

Images are ``(height, width, channels)``, flattened in that order (Keras's ``Flatten`` order); the
convolutions are Keras's ``Conv2D`` with ``padding="valid"`` and stride 1.
"""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np


def unrolled_kernel(kernel: np.ndarray, input_shape: tuple[int, int, int]) -> np.ndarray:
    """The ``Dense`` kernel that computes what a ``Conv2D`` with ``kernel`` computes on ``input_shape``.

    ``kernel`` is the convolution's ``(kh, kw, channels, filters)``; the result is
    ``(height * width * channels, out_height * out_width * filters)``: row = a flattened input pixel and
    channel, column = a flattened output position and filter. Every column holds the ``kh * kw *
    channels`` weights of its filter at its window and zeros elsewhere.
    """
    kh, kw, channels, filters = kernel.shape
    height, width, depth = input_shape
    if depth != channels:
        raise ValueError(f"the kernel reads {channels} channels, the input has {depth}")
    out_h, out_w = height - kh + 1, width - kw + 1
    dense = np.zeros((height * width * channels, out_h * out_w * filters), dtype=kernel.dtype)
    for i in range(out_h):
        for j in range(out_w):
            column = (i * out_w + j) * filters
            for di in range(kh):
                for dj in range(kw):
                    row = ((i + di) * width + (j + dj)) * channels
                    dense[row : row + channels, column : column + filters] = kernel[di, dj]
    return dense


def unrolled_bias(bias: np.ndarray, output_shape: tuple[int, int, int]) -> np.ndarray:
    """The convolution's per-filter bias repeated at every output position, flattened like its output."""
    out_h, out_w, filters = output_shape
    return np.tile(bias, out_h * out_w).reshape(out_h * out_w * filters)


def kernel_counts(dense: np.ndarray) -> dict[str, int]:
    """How many entries an unrolled kernel has, how many are not zero, and how many distinct values those hold."""
    nonzero = dense[dense != 0]
    return {"entries": int(dense.size), "non-zero": int(nonzero.size), "distinct values": int(np.unique(nonzero).size)}


@keras.saving.register_keras_serializable(package="cnn_vs_dense")
class LocallyConnected2D(keras.layers.Layer):
    """A convolution's local windows without its weight sharing: each output position has its own kernel.

    The output at ``(i, j)`` is ``activation(sum over the kh x kw x channels window at (i, j) of input *
    kernel[i, j] + bias[i, j])``, with ``padding="valid"`` and stride 1, as ``Conv2D`` computes it with
    one kernel for every position. Keras 3 has no such layer; this one gathers the ``kh * kw`` shifted
    views of the input (the windows, as "patches") and multiplies each position's patch by its kernel.
    Initial weights are drawn like a ``Conv2D``'s (Glorot uniform over one window's fan-in and fan-out).
    """

    def __init__(self, filters: int, kernel_size: int, activation: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_size = kernel_size
        self.activation = keras.activations.get(activation)

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        height, width, channels = input_shape[1:]
        k = self.kernel_size
        self.out_h, self.out_w = height - k + 1, width - k + 1
        window = k * k * channels
        limit = math.sqrt(6 / (window + k * k * self.filters))
        self.kernel = self.add_weight(
            shape=(self.out_h * self.out_w, window, self.filters),
            initializer=keras.initializers.RandomUniform(-limit, limit),
            name="kernel",
        )
        self.bias = self.add_weight(shape=(self.out_h, self.out_w, self.filters), initializer="zeros", name="bias")

    def call(self, inputs: Any) -> Any:
        k = self.kernel_size
        views = [inputs[:, i : i + self.out_h, j : j + self.out_w, :] for i in range(k) for j in range(k)]
        patches = keras.ops.stack(views, axis=3)  # (batch, out_h, out_w, k * k, channels): Conv2D's window order
        patches = keras.ops.reshape(patches, (-1, self.out_h * self.out_w, self.kernel.shape[1]))
        outputs = keras.ops.einsum("bpw,pwf->bpf", patches, self.kernel)
        outputs = keras.ops.reshape(outputs, (-1, self.out_h, self.out_w, self.filters)) + self.bias
        return self.activation(outputs)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        k = self.kernel_size
        return (input_shape[0], input_shape[1] - k + 1, input_shape[2] - k + 1, self.filters)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "activation": keras.activations.serialize(self.activation),
        }


def pixel_permutation(seed: int, pixels: int = 28 * 28) -> np.ndarray:
    """One fixed shuffle of the pixels of an image, drawn from ``seed``."""
    return np.random.default_rng(seed).permutation(pixels)


def permuted(images: np.ndarray, permutation: np.ndarray) -> np.ndarray:
    """``images`` ``(n, height, width)`` with their pixels moved by ``permutation`` (the same for every image)."""
    flat = images.reshape(len(images), -1)
    return flat[:, permutation].reshape(images.shape)
