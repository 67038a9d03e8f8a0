"""What a network costs to run: multiply-accumulates per image, counted from its layers, and measured latency.

A multiply-accumulate (MAC) is one ``a * b + c``: a dense layer with ``n`` inputs and ``m`` units does
``n * m`` of them per image, a convolution does one per weight per output position (``out_h * out_w *
kh * kw * in_channels * filters``). Biases, activations and pooling are additions or comparisons, a small
share of the work, and are not counted, as is usual.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import statistics
import time
from pathlib import Path

import keras
import numpy as np
from keras import layers

from helpers.files import write_json_atomically
from helpers.paths import grid_cache
from helpers.results import _cpu_model
from helpers.training import without_names

#: Layers that hold no weights and are not counted (their work is a copy, a mask, a sum or a comparison).
UNCOUNTED = (
    layers.InputLayer,
    layers.Flatten,
    layers.Reshape,
    layers.Dropout,
    layers.AveragePooling2D,
    layers.MaxPooling2D,
    layers.Activation,
)


def multiply_accumulates(model: keras.Model) -> dict[str, int]:
    """The MACs per image of each layer of a built Sequential ``model`` with Dense and Conv2D layers, by name.

    A layer with weights of another kind raises ``ValueError`` rather than being counted wrong."""
    counts = {}
    for layer in model.layers:
        if isinstance(layer, layers.Dense):
            inputs = layer.input.shape
            counts[layer.name] = math.prod(inputs[1:-1]) * inputs[-1] * layer.units
        elif isinstance(layer, layers.Conv2D):
            height, width = layer.output.shape[1:3]
            kh, kw = layer.kernel_size
            counts[layer.name] = height * width * kh * kw * layer.input.shape[-1] * layer.filters
        elif isinstance(layer, UNCOUNTED) and not layer.weights:
            counts[layer.name] = 0
        else:
            raise ValueError(f"multiply_accumulates cannot count layer {layer.name!r} ({type(layer).__name__})")
    return counts


def latency_per_image(
    model: keras.Model, images: np.ndarray, *, batch_size: int, repeats: int, cache_dir: Path | None = None
) -> float:
    """Median seconds per image of ``repeats`` timed forward passes over ``batch_size`` of ``images``.

    One untimed pass first compiles the prediction function; each timed one is ``predict_on_batch``, the
    cheapest way Keras offers to run a model on one batch. A timing differs from run to run, so it is kept
    in ``cache_dir`` (the training cache's ``latency/`` folder unless told) under a key of the model's
    layers, the batch size, the repeats, the machine and Keras's version: a rebuild on the same machine
    reports the same numbers, another machine measures its own."""
    folder = (grid_cache() / "latency") if cache_dir is None else cache_dir
    spec = {
        "model": without_names(model.get_config()),
        "batch_size": batch_size,
        "repeats": repeats,
        "machine": machine_name(),
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
    }
    path = folder / f"{hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:24]}.json"
    if path.is_file():
        try:
            return float(json.loads(path.read_text())["seconds_per_image"])
        except (ValueError, KeyError, TypeError):
            print(f"{path}: unreadable timing, measured again")
    seconds = _timed(model, images[:batch_size], repeats)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomically({**spec, "seconds_per_image": seconds}, path)
    return seconds


def _timed(model: keras.Model, batch: np.ndarray, repeats: int) -> float:
    """The median over ``repeats`` of one ``predict_on_batch`` call's seconds, divided by the batch's size."""
    model.predict_on_batch(batch)
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.predict_on_batch(batch)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) / len(batch)


def machine_name() -> str:
    """The CPU model and the number of cores this process may use, e.g. ``AMD EPYC 9B14, 2 cores``."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{_cpu_model()}, {cores} cores"
