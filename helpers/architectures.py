"""The series' headline networks, for the parts that train them again (9 and 10).

Each part that introduces a network writes it out on its page, layer by layer, where the reader meets it
(parts 1, 3, 4 and 7); the functions here build exactly those networks (the tests compare them with the
models the parts save), so that a later part can retrain one, on other data or for another question,
without copying it again.
"""

from __future__ import annotations

import keras
from keras import layers


def dense_tutorial() -> keras.Model:
    """Part 1's network, the TensorFlow tutorial's: 512 ReLU units, 20 % dropout, a softmax over ten classes."""
    return keras.Sequential(
        [
            layers.Input(shape=(28, 28)),
            layers.Flatten(name="flatten"),
            layers.Dense(512, activation="relu", name="dense_0"),
            layers.Dropout(0.2, name="dropout_0"),
            layers.Dense(10, activation="softmax", name="dense_1"),
        ],
        name="dense_tutorial",
    )


def dense_sized(width: int = 128) -> keras.Model:
    """Part 3's network: dropout 0.2 on the pixels, ``width`` ReLU units, dropout 0.5, a softmax."""
    return keras.Sequential(
        [
            layers.Input(shape=(28, 28)),
            layers.Flatten(name="flatten"),
            layers.Dropout(0.2, name="dropout_0"),
            layers.Dense(width, activation="relu", name="dense_0"),
            layers.Dropout(0.5, name="dropout_1"),
            layers.Dense(10, activation="softmax", name="dense_1"),
        ],
        name=f"dense_{width}",
    )


def lenet() -> keras.Model:
    """Part 4's LeNet: two 3x3 convolutions with average pooling, then dense layers of 120, 84 and 10 units."""
    return keras.Sequential(
        [
            layers.Input(shape=(32, 32, 1)),
            layers.Conv2D(6, kernel_size=3, activation="relu", name="conv_0"),
            layers.AveragePooling2D(pool_size=2, name="pool_0"),
            layers.Conv2D(16, kernel_size=3, activation="relu", name="conv_1"),
            layers.AveragePooling2D(pool_size=2, name="pool_1"),
            layers.Flatten(name="flatten"),
            layers.Dense(120, activation="relu", name="dense_0"),
            layers.Dense(84, activation="relu", name="dense_1"),
            layers.Dense(10, activation="softmax", name="dense_2"),
        ],
        name="lenet",
    )


def lenet_halved(rate_0: float, rate_1: float) -> keras.Model:
    """Part 7's network: part 4's LeNet with dropout ``rate_0`` and ``rate_1`` (part 6's pick) before its
    two hidden dense layers, which are halved to 60 and 42 units."""
    return keras.Sequential(
        [
            layers.Input(shape=(32, 32, 1)),
            layers.Conv2D(6, kernel_size=3, activation="relu", name="conv_0"),
            layers.AveragePooling2D(pool_size=2, name="pool_0"),
            layers.Conv2D(16, kernel_size=3, activation="relu", name="conv_1"),
            layers.AveragePooling2D(pool_size=2, name="pool_1"),
            layers.Flatten(name="flatten"),
            layers.Dropout(rate_0, name="dropout_0"),
            layers.Dense(60, activation="relu", name="dense_0"),
            layers.Dropout(rate_1, name="dropout_1"),
            layers.Dense(42, activation="relu", name="dense_1"),
            layers.Dense(10, activation="softmax", name="dense_2"),
        ],
        name="lenet_halved",
    )
