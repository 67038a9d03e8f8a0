"""The training settings every part shares, and one function per step of a run.

Every model in the series is trained the same way, as in the reference tutorial: Adam with Keras's
default settings, sparse categorical cross-entropy, accuracy, batches of 128, the last 10 % of the
training images held out for validation, pixels scaled to [0, 1].
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from helpers.data import load_fashion_mnist, load_mnist, pad_to_32, scale_pixels
from helpers.params import VALIDATION_SPLIT

# tf.function retracing notices (one per model of a grid) say nothing a reader can act on.
logging.getLogger("tensorflow").setLevel(logging.ERROR)

BATCH_SIZE = 128


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and the Keras backend so that a run draws the same numbers again."""
    os.environ["PYTHONHASHSEED"] = str(seed)
    keras.utils.set_random_seed(seed)


def use_xla() -> bool:
    """XLA compilation: off on TensorFlow (measured slower on CPU here), on for JAX (its normal mode)."""
    return keras.backend.backend() != "tensorflow"


def make_optimizer() -> keras.optimizers.Optimizer:
    """The series' optimiser: Adam with Keras's default settings, as in the reference tutorial."""
    return keras.optimizers.Adam()


def make_loss(name: str | None = None) -> keras.losses.Loss:
    """The series' loss: cross-entropy of integer labels against the softmax output."""
    return keras.losses.SparseCategoricalCrossentropy(**({"name": name} if name else {}))


#: What every fit reports besides the loss.
METRICS = ("accuracy",)


def training_settings() -> dict[str, Any]:
    """Every setting of a training run besides the model, data, epochs and seed, as plain data.

    Grid points are cached under a key that includes this, so a change to any setting here retrains them.
    """
    return {
        "optimizer": without_names(keras.optimizers.serialize(make_optimizer())),
        "loss": without_names(keras.losses.serialize(make_loss())),
        "metrics": list(METRICS),
        "batch_size": BATCH_SIZE,
        "validation_split": VALIDATION_SPLIT,
    }


def without_names(config: Any) -> Any:
    """A Keras config or serialization with every ``name`` removed (Keras numbers unnamed objects per session)."""
    if isinstance(config, dict):
        return {k: without_names(v) for k, v in config.items() if k != "name"}
    if isinstance(config, list | tuple):
        return [without_names(v) for v in config]
    return config


def check_series_settings(model: keras.Model) -> None:
    """Raise unless ``model`` was compiled with the series' optimiser, loss and metrics.

    Part 1 spells its ``model.compile(...)`` out for the reader; this keeps it the same as
    ``compile_classifier``, which every later part calls.
    """
    config = model.get_compile_config()
    compiled = {
        "optimizer": without_names(config["optimizer"]),
        "loss": without_names(config["loss"]),
        "metrics": list(config["metrics"] or []),
    }
    expected = {name: training_settings()[name] for name in compiled}
    differing = [name for name in compiled if compiled[name] != expected[name]]
    if differing:
        raise ValueError(
            f"{model.name} is compiled with other {', '.join(differing)} than the series' "
            f"(helpers/training.py): {compiled} against {expected}"
        )


def compile_classifier(model: keras.Model) -> keras.Model:
    """Compile with the series' optimiser, loss and metrics (``make_optimizer``, ``make_loss``, ``METRICS``)."""
    model.compile(optimizer=make_optimizer(), loss=make_loss(), metrics=list(METRICS), jit_compile=use_xla())
    return model


@dataclass(frozen=True)
class Mnist:
    """The images a part trains and tests on, already scaled (and padded for LeNet)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    def equals(self, other: Mnist) -> bool:
        """Whether both hold the same arrays, element for element (and of the same dtypes)."""
        pairs = zip(
            (self.x_train, self.y_train, self.x_test, self.y_test),
            (other.x_train, other.y_train, other.x_test, other.y_test),
            strict=True,
        )
        return all(a.dtype == b.dtype and np.array_equal(a, b) for a, b in pairs)

    def describe(self) -> str:
        """One line with the shapes, for the reader and the regression tests."""
        return (
            f"training images {self.x_train.shape}, labels {self.y_train.shape}; "
            f"test images {self.x_test.shape}, labels {self.y_test.shape}"
        )


def prepare_mnist(train_size: int | None, test_size: int | None, *, pad: bool = False, fashion: bool = False) -> Mnist:
    """Load MNIST (Fashion-MNIST with ``fashion``), keep the first ``train_size`` / ``test_size`` images,
    scale, optionally pad to 32x32."""
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist() if fashion else load_mnist()
    x_train, y_train = x_train[:train_size], y_train[:train_size]
    x_test, y_test = x_test[:test_size], y_test[:test_size]
    if pad:
        x_train, x_test = pad_to_32(x_train), pad_to_32(x_test)
    return Mnist(scale_pixels(x_train), y_train, scale_pixels(x_test), y_test)


def fit(model: keras.Model, data: Mnist, epochs: int, callbacks: list[Any] | None = None) -> dict[str, list[float]]:
    """Train with the series' settings and return the Keras history (loss, accuracy, val_*)."""
    history = model.fit(
        data.x_train,
        data.y_train,
        epochs=epochs,
        batch_size=BATCH_SIZE,
        validation_split=VALIDATION_SPLIT,
        verbose=0,
        callbacks=callbacks or [],
    )
    return {key: [float(v) for v in values] for key, values in history.history.items()}


def evaluate(model: keras.Model, data: Mnist) -> tuple[float, float]:
    """Test loss and test accuracy."""
    loss, accuracy = model.evaluate(data.x_test, data.y_test, batch_size=1024, verbose=0)
    return float(loss), float(accuracy)


def correct_digits(model: keras.Model, data: Mnist) -> np.ndarray:
    """Which test digits ``model`` classifies correctly: one boolean per test image, in order."""
    probabilities = model.predict(data.x_test, batch_size=1024, verbose=0)
    return np.argmax(probabilities, axis=1) == data.y_test


def dense_kernels(model: keras.Model) -> dict[str, np.ndarray]:
    """The kernels of a model's Dense layers, by layer name (for the weight histograms)."""
    return {layer.name: layer.get_weights()[0] for layer in model.layers if isinstance(layer, keras.layers.Dense)}
