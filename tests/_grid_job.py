"""A small grid that tests/test_grid.py runs in a subprocess and kills with SIGKILL halfway.

Usage: ``python tests/_grid_job.py CACHE_DIR [WORKERS]`` (one worker: the grid trains in this process).
"""

from __future__ import annotations

import sys
from pathlib import Path

import keras

from helpers.data import load_mnist
from helpers.training import Mnist, scale_pixels

POINTS = [{"units": u} for u in (8, 16, 24, 32)]


def build(units: int) -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(units, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


def data() -> Mnist:
    (x_train, y_train), (x_test, y_test) = load_mnist(allow_download=False)
    return Mnist(scale_pixels(x_train[:2000]), y_train[:2000], scale_pixels(x_test[:200]), y_test[:200])


def run(cache_dir: Path, workers: int = 1) -> list:
    """The job's grid, one model per graph, with its settings; the tests resume it with the same call."""
    from helpers.grid import run_grid

    settings = {"epochs": 4, "seed": 3, "profile": "quick", "models_per_graph": 1}
    return run_grid(build, POINTS, data(), workers=workers, cache_dir=cache_dir, **settings)


if __name__ == "__main__":
    run(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1)
