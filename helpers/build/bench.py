"""``make bench``: the grid runner on Dask against one ``model.fit`` per model, measured side by side.

Trains the same small LeNet grid (part 6's architecture, eight dropout settings, 2 epochs on the full
training split) in one run: sequential fits as the original tutorial did; the runner's default for
this machine (``default_parallelism``: on a CPU, one in-process worker with all eight models side by
side in one Keras graph); the runner on two single-thread worker processes with four models per graph
(its default until November 2026) and with two. Every runner time includes starting the cluster and
its workers. Prints seconds per model-epoch for each, the full profile's estimated total
from the measured rates, and, as its last line, the speed-up of the runner's default.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import keras
from keras import layers

from helpers.grid import default_parallelism, run_grid
from helpers.training import Mnist, compile_classifier, fit, prepare_mnist, seed_everything

EPOCHS = 2
GRID = [{"rate_0": r, "rate_1": r} for r in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)]
# Epochs of the full profile: dense models trained alone (parts 1, 2 and 3's 128-wide model), dense
# models on the grid runner (part 3's widths, the 5 reruns of parts 1-3), LeNets trained alone (parts 4
# and 7), LeNets on the grid runner (parts 5 and 6's grids, the 5 reruns of parts 4-6 and of part 7).
RERUNS = 10  # the full profile's reruns of each headline network (parts 1-7)
FULL_PROFILE = {
    "dense alone": 300,
    "dense grid": 400 + 3 * RERUNS * 100,
    "lenet alone": 140,
    "lenet grids": 2 * 36 * 60 + 3 * RERUNS * 60 + RERUNS * 80,
}


def lenet(rate_0: float, rate_1: float) -> keras.Model:
    """Part 6's LeNet with dropout before its two large dense layers."""
    return keras.Sequential(
        [
            layers.Input(shape=(32, 32, 1)),
            layers.Conv2D(6, 3, activation="relu"),
            layers.AveragePooling2D(2),
            layers.Conv2D(16, 3, activation="relu"),
            layers.AveragePooling2D(2),
            layers.Flatten(),
            layers.Dropout(rate_0),
            layers.Dense(120, activation="relu"),
            layers.Dropout(rate_1),
            layers.Dense(84, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )


def dense_512() -> keras.Model:
    """Part 1's dense network."""
    return keras.Sequential(
        [
            layers.Input(shape=(28, 28)),
            layers.Flatten(),
            layers.Dense(512, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(10, activation="softmax"),
        ]
    )


def seconds(action: Callable[[], object]) -> float:
    """Wall seconds ``action`` takes."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def sequential_fits(build: Callable[..., keras.Model], grid: list[dict], data: Mnist, epochs: int) -> None:
    """One compiled model and one ``fit`` per grid point, as the original tutorial trains its grids."""
    for point in grid:
        seed_everything(0)
        fit(compile_classifier(build(**point)), data, epochs)


def runner_seconds(data: Mnist, workers: int, models_per_graph: int) -> float:
    """Wall seconds of ``run_grid`` over GRID from an empty cache."""
    with tempfile.TemporaryDirectory() as cache:
        return seconds(
            lambda: run_grid(
                lenet,
                GRID,
                data,
                epochs=EPOCHS,
                seed=0,
                profile="bench",
                workers=workers,
                models_per_graph=models_per_graph,
                cache_dir=Path(cache),
            )
        )


def main() -> None:
    padded = prepare_mnist(None, None, pad=True)
    flat = prepare_mnist(None, None)
    model_epochs = len(GRID) * EPOCHS
    workers, per_graph = default_parallelism()
    print(f"LeNet grid of {len(GRID)} models x {EPOCHS} epochs on {len(padded.x_train):,} images (batch 128)")

    sequential = seconds(lambda: sequential_fits(lenet, GRID, padded, EPOCHS)) / model_epochs
    print(f"  sequential model.fit per model        {sequential:6.2f} s per model-epoch")
    layouts = []
    for layout in [(workers, per_graph), (2, 4), (2, 2)]:
        used = (min(layout[0], -(-len(GRID) // layout[1])), layout[1])  # a worker per chunk at most
        if used not in layouts:
            layouts.append(used)
    rates = {}
    for used_workers, models_per_graph in layouts:
        rates[used_workers, models_per_graph] = runner_seconds(padded, used_workers, models_per_graph) / model_epochs
        where = "1 in-process worker" if used_workers == 1 else f"{used_workers} worker processes"
        default = ", this machine's default" if (used_workers, models_per_graph) == layouts[0] else ""
        print(
            f"  runner (Dask, {where} x {models_per_graph} per graph{default})   "
            f"{rates[used_workers, models_per_graph]:6.2f} s per model-epoch"
        )
    runner = rates[layouts[0]]
    dense = seconds(lambda: sequential_fits(dense_512, [{}], flat, 1))
    print(f"  dense 512 (part 1), one model.fit     {dense:6.2f} s per epoch")

    ratio = sequential / runner
    estimate = {
        "dense alone": FULL_PROFILE["dense alone"] * dense,
        "dense grid": FULL_PROFILE["dense grid"] * dense / ratio,
        "lenet alone": FULL_PROFILE["lenet alone"] * sequential,
        "lenet grids": FULL_PROFILE["lenet grids"] * runner,
    }
    naive = (FULL_PROFILE["dense alone"] + FULL_PROFILE["dense grid"]) * dense + (
        FULL_PROFILE["lenet alone"] + FULL_PROFILE["lenet grids"]
    ) * sequential
    dense_epochs = FULL_PROFILE["dense alone"] + FULL_PROFILE["dense grid"]
    lenet_epochs = FULL_PROFILE["lenet alone"] + FULL_PROFILE["lenet grids"]
    print(f"full profile: {dense_epochs:,} dense and {lenet_epochs:,} LeNet model-epochs (parts 1-7)")
    print(
        "full profile, estimated from these rates: "
        + ", ".join(f"{name} {value / 3600:.2f} h" for name, value in estimate.items())
        + f"; total {sum(estimate.values()) / 3600:.2f} h with the runner, {naive / 3600:.2f} h with sequential fits"
        + " (the dense grid assumes the LeNet speed-up)"
    )
    print(f"speed-up of the grid runner (Dask, this machine's default) over sequential model.fit: {ratio:.2f}x")


if __name__ == "__main__":
    main()
