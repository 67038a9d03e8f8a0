"""Grid searches: train one model per grid point, resumably, several models per Keras graph, on Dask.

``run_grid(build, grid, data, epochs=..., seed=...)`` trains ``build(**point)`` for every point of
``grid`` and returns one ``GridResult`` per point, in order. Three things make it practical:

* **Cache and resume.** Each point's result (history, test metrics, final weights) is written to
  disk the moment its training ends, under a key made of everything that determines it: the model's
  full Keras config, the hyperparameters, epochs, seed, the training settings (optimiser, loss,
  metrics, batch size, validation split: ``helpers.training.training_settings``), the data's
  fingerprint, the profile and the Keras/backend versions. A rerun after a crash or ``kill -9``
  skips every finished point, and the models that were in flight resume from their last finished
  epoch (weights, dropout's random state, Adam's moments and the history so far are checkpointed
  after every epoch).
* **Several models per graph.** ``models_per_graph`` models are trained side by side as one Keras
  model whose loss is the sum of their losses: exactly that many independent trainings
  (``helpers.side_by_side``), sharing each batch and the per-step overhead of Keras.
* **Any number of machines.** The points train as Dask tasks (``helpers.grid_engine``): on a local
  cluster by default (a worker in the calling process here, ``default_parallelism``), or on the
  cluster whose scheduler ``$GRID_CLUSTER`` names.

Every point is built right after ``seed_everything(seed)``: all cells of a grid start from the same
initial draw and see the batches in the same order, so differences between cells come from the
hyperparameters, not from luck of the draw.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np

with warnings.catch_warnings():
    # Without ipywidgets tqdm.auto warns, then draws its text bar, which works in notebooks and logs alike.
    warnings.filterwarnings("ignore", message="IProgress not found")
    from tqdm.auto import tqdm

from helpers.files import UNREADABLE, atomic_write, set_aside, write_json_atomically
from helpers.grid_engine import CLUSTER_VARIABLE, CORRUPT, Chunk, InitialWeights, grid_client, train_chunks
from helpers.params import note_from_cache
from helpers.paths import grid_cache
from helpers.statistics import rank_correlation
from helpers.training import (
    Mnist,
    compile_classifier,
    evaluate,
    fit,
    seed_everything,
    training_settings,
    without_names,
)

CACHE_FORMAT = 2
#: Set (to anything) to time the cached trainings that recorded no training time (entries written before
#: the cache kept it): each trains again for two epochs, thrown away, and its entry gets an estimate.
TIME_VARIABLE = "GRID_TIME_CACHED"
#: Epochs trained to estimate an untimed entry's training time: the first (building and tracing) and one more.
TIMED_EPOCHS = 2
#: Seconds between redraws of a grid's progress bar: each redraw is one more line in an executed notebook.
PROGRESS_INTERVAL = 60


@dataclass
class GridResult:
    """One trained grid point."""

    point: dict[str, Any]
    history: dict[str, list[float]]
    test_loss: float
    test_accuracy: float
    params: int
    weights: list[np.ndarray]
    from_cache: bool = False  # trained by an earlier run and read from the cache
    training_seconds: float | None = None  # what training it took on the machine that trained it (None: not recorded)

    @property
    def val_accuracy(self) -> float:
        """Validation accuracy after the last epoch: what the grid selects on."""
        return self.history["val_accuracy"][-1]

    def model(self, build: Callable[..., keras.Model]) -> keras.Model:
        """Rebuild the trained model from its stored weights."""
        model = build(**self.point)
        model.set_weights(self.weights)
        return model


def data_fingerprint(data: Mnist) -> str:
    """A short digest of the exact arrays a grid trains and tests on."""
    digest = hashlib.sha256()
    for array in (data.x_train, data.y_train, data.x_test, data.y_test):
        digest.update(str(array.shape).encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:16]


def point_key(model: keras.Model, point: dict[str, Any], *, epochs: int, seed: int, data_id: str, profile: str) -> str:
    """The cache key of one grid point: a digest of everything that determines its result."""
    spec = {
        "format": CACHE_FORMAT,
        "model": without_names(model.get_config()),
        "point": point,
        "epochs": epochs,
        "seed": seed,
        "training": training_settings(),
        "data": data_id,
        "profile": profile,
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:24]


def _load_cached(folder: Path, key: str, point: dict[str, Any], shapes: list[tuple[int, ...]]) -> GridResult | None:
    """The finished point ``key`` from the cache, or None: missing, or damaged (then set aside, with one line).

    ``shapes`` are the shapes of the model's weights: stored weights of other shapes count as damaged.
    """
    record_path, weights_path = folder / f"{key}.json", folder / f"{key}.npz"
    if not record_path.is_file():
        return None
    reading = record_path
    try:
        record = json.loads(record_path.read_text())
        measured = (record["history"], record["test_loss"], record["test_accuracy"], record["params"])
        reading = weights_path
        with np.load(weights_path, allow_pickle=False) as stored:
            weights = [stored[f"w{i}"] for i in range(len(stored.files))]
        if [w.shape for w in weights] != shapes:
            raise ValueError(f"weights of shapes {[w.shape for w in weights]}, the network has {shapes}")
        return GridResult(point, *measured, weights, True, record.get("training_seconds"))
    except UNREADABLE as error:
        moved = set_aside([record_path, weights_path], folder / CORRUPT)
        print(
            f"grid cache: {reading} is damaged ({type(error).__name__}: {error}); both files of the entry moved to "
            f"{moved}/, and this network trains again (if git tracks the entry, a published training, stop and "
            f"restore it instead: git checkout -- {record_path} {weights_path})"
        )
        return None


def _store(folder: Path, key: str, result: GridResult, layout: dict[str, int | str]) -> None:
    """Weights first, then the record (atomically): a record on disk always has its weights.

    ``layout`` is how the network trained (how many networks shared its graph, how many workers the grid
    had, on which cluster): not part of the key, since it moves a result only in the last bits of its float sums,
    but recorded, so that an entry says which layout gave its numbers."""
    with atomic_write(folder / f"{key}.npz") as tmp:
        np.savez(tmp, **{f"w{i}": w for i, w in enumerate(result.weights)})
    record = {
        "point": result.point,
        "history": result.history,
        "test_loss": result.test_loss,
        "test_accuracy": result.test_accuracy,
        "params": result.params,
        "layout": layout,
        "training_seconds": None if result.training_seconds is None else round(result.training_seconds, 1),
    }
    write_json_atomically(record, folder / f"{key}.json")


def _weights_digest(arrays: Sequence[np.ndarray]) -> str:
    """A digest of a model's weights, values and shapes."""
    digest = hashlib.sha256()
    for array in arrays:
        digest.update(str(array.shape).encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def cached_fit(
    model: keras.Model,
    data: Mnist,
    *,
    epochs: int,
    seed: int,
    profile: str,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    train: Callable[[keras.Model], dict[str, list[float]]] | None = None,
    cache_dir: Path | None = None,
) -> dict[str, list[float]]:
    """Train a compiled ``model`` once, and keep the training in the grid cache; return its history.

    ``train(model)`` trains it and returns the Keras history (by default ``training.fit`` with
    ``callbacks``). When this very training ran before (the same network and initial weights, data,
    epochs, seed and settings), the trained weights and the optimizer's state are read back instead and
    each epoch's logs are replayed into ``callbacks``, so a live chart draws the same curves: a rebuild
    gives the same numbers in seconds, and a part run by hand with published settings does too.
    """
    folder = grid_cache() if cache_dir is None else cache_dir
    initial = {"initial weights": _weights_digest(model.get_weights())}
    key = "fit-" + point_key(model, initial, epochs=epochs, seed=seed, data_id=data_fingerprint(data), profile=profile)
    model.optimizer.build(model.trainable_variables)
    shapes = [tuple(w.shape) for w in [*model.weights, *model.optimizer.variables]]
    cached = _load_cached(folder, key, initial, shapes)
    if cached is None:
        started = time.perf_counter()
        history = train(model) if train is not None else fit(model, data, epochs, callbacks=list(callbacks))
        loss, accuracy = evaluate(model, data)
        seconds = time.perf_counter() - started
        state = [np.asarray(v) for v in [*model.weights, *model.optimizer.variables]]
        layout = {"networks in its graph": 1, "workers": 0, "cluster": "none: the notebook's own process"}
        result = GridResult(initial, history, loss, accuracy, model.count_params(), state, training_seconds=seconds)
        _store(folder, key, result, layout)
        return history
    model.set_weights(cached.weights[: len(model.weights)])
    for variable, value in zip(model.optimizer.variables, cached.weights[len(model.weights) :], strict=True):
        variable.assign(value)
    if cached.training_seconds is None and os.environ.get(TIME_VARIABLE):
        cached.training_seconds = _time_fit(model, data, epochs, folder / f"{key}.json")
    note_from_cache([cached.training_seconds])
    print(
        "(this training ran before with the same network, initial weights, data and settings: read back from the cache)"
    )
    for callback in callbacks:
        callback.set_model(model)
        callback.on_train_begin()
    for epoch in range(epochs):
        logs = {name: values[epoch] for name, values in cached.history.items()}
        for callback in callbacks:
            callback.on_epoch_end(epoch, logs)
    for callback in callbacks:
        callback.on_train_end()
    return cached.history


def _scan(
    build: Callable[..., keras.Model],
    grid: Sequence[dict[str, Any]],
    data: Mnist,
    *,
    epochs: int,
    seed: int,
    profile: str,
    folder: Path,
) -> tuple[list[GridResult | None], list[tuple[int, str, keras.Model]]]:
    """Build every point's model for its key; return the cached results (None where missing) and the
    pending points: ``(index, key, model)``, the model freshly built (its weights are where training starts)."""
    data_id = data_fingerprint(data)
    results: list[GridResult | None] = []
    pending: list[tuple[int, str, keras.Model]] = []
    for index, point in enumerate(grid):
        seed_everything(seed)
        model = build(**point)
        key = point_key(model, point, epochs=epochs, seed=seed, data_id=data_id, profile=profile)
        cached = _load_cached(folder, key, point, [tuple(w.shape) for w in model.weights])
        results.append(cached)
        if cached is None:
            pending.append((index, key, model))
    return results, pending


def extrapolated_seconds(epoch_seconds: Sequence[float], epochs: int) -> float:
    """A whole training's seconds from its first epochs' (``TIMED_EPOCHS`` or fewer): the first epoch, which
    also builds and traces the graph, then the last one timed for every epoch after it."""
    first, *rest = epoch_seconds
    return first + (epochs - 1) * (rest[-1] if rest else first)


def _record_estimate(path: Path, seconds: float, timed_epochs: int) -> None:
    """Add an estimated training time to the cache entry at ``path`` (everything else in it unchanged)."""
    record = json.loads(path.read_text())
    record["training_seconds"] = round(seconds, 1)
    record["training_seconds_from"] = f"its first {timed_epochs} epochs, timed on a later build and extrapolated"
    write_json_atomically(record, path)


def _time_untimed(
    build: Callable[..., keras.Model],
    results: list[GridResult | None],
    data: Mnist,
    *,
    epochs: int,
    seed: int,
    profile: str,
    folder: Path,
) -> None:
    """Estimate the training time of the cached ``results`` that recorded none (``TIME_VARIABLE``): train them
    again, side by side as a grid would, for ``TIMED_EPOCHS`` epochs, and record ``extrapolated_seconds``."""
    untimed = []
    data_id = data_fingerprint(data)
    for index, result in enumerate(results):
        if result is not None and result.training_seconds is None:
            seed_everything(seed)
            model = build(**result.point)
            key = point_key(model, result.point, epochs=epochs, seed=seed, data_id=data_id, profile=profile)
            untimed.append((index, key, model))
    if not untimed:
        return
    workers, models_per_graph = default_parallelism()
    parts = balanced_chunks(untimed, models_per_graph, workers)
    timed_epochs = min(TIMED_EPOCHS, epochs)
    chunks = [
        Chunk(build, tuple(results[i].point for i, *_ in part), tuple(k for _, k, _ in part), seed, timed_epochs)
        for part in parts
    ]
    initial = [InitialWeights.of([model for *_, model in part]) for part in parts]
    bar = tqdm(total=len(untimed) * timed_epochs, desc="timing cached trainings", unit="model-epoch")
    scratch = folder / "timing"
    with grid_client(workers, folder / "workers") as client:
        for position, trained in train_chunks(client, chunks, initial, data, scratch, bar):
            for (index, key, _), model in zip(parts[position], trained, strict=True):
                seconds = extrapolated_seconds(model.epoch_seconds, epochs)
                _record_estimate(folder / f"{key}.json", seconds, timed_epochs)
                results[index].training_seconds = seconds
    bar.close()
    shutil.rmtree(scratch, ignore_errors=True)
    seed_everything(seed)


def _time_fit(model: keras.Model, data: Mnist, epochs: int, path: Path) -> float:
    """Estimate the training time of ``cached_fit``'s cached ``model``, trained by a build that recorded none:
    a fresh copy, compiled with the series' settings, trains for ``TIMED_EPOCHS`` epochs and is evaluated once;
    the estimate goes into the entry at ``path``."""
    timed_epochs = min(TIMED_EPOCHS, epochs)
    copy = keras.models.clone_model(model)
    compile_classifier(copy)
    epoch_seconds = []
    for _ in range(timed_epochs):
        started = time.perf_counter()
        fit(copy, data, 1)
        epoch_seconds.append(time.perf_counter() - started)
    started = time.perf_counter()
    evaluate(copy, data)
    seconds = extrapolated_seconds(epoch_seconds, epochs) + time.perf_counter() - started
    _record_estimate(path, seconds, timed_epochs)
    return seconds


def default_parallelism() -> tuple[int, int]:
    """``(workers, models_per_graph)`` for this machine: one worker in the calling process, its models side
    by side in one graph, every CPU thread for TensorFlow (measured faster on CPU here than worker
    processes: ``docs/grids.md``, "Speed"; ``make bench`` measures it again). On an accelerator, more
    models per graph keep it busier.
    """
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        if not tf.config.list_physical_devices("GPU"):
            return 1, 8
    return 1, 12


def balanced_chunks(pending: Sequence[Any], models_per_graph: int, workers: int) -> list[list[Any]]:
    """Split ``pending`` into chunks of at most ``models_per_graph``, in order, as even as can be.

    The number of chunks is a multiple of ``workers`` where there are enough points, so that no
    worker is left with a small last chunk while the others train full ones: five points, four per
    graph and two workers make chunks of three and two, not four and one.
    """
    count = -(-len(pending) // models_per_graph)
    count = min(len(pending), -(-count // workers) * workers)
    size, extra = divmod(len(pending), count)
    bounds = np.cumsum([0] + [size + (k < extra) for k in range(count)])
    return [list(pending[a:b]) for a, b in itertools.pairwise(bounds)]


def run_grid(
    build: Callable[..., keras.Model],
    grid: Sequence[dict[str, Any]],
    data: Mnist,
    *,
    epochs: int,
    seed: int,
    profile: str,
    models_per_graph: int | None = None,
    workers: int | None = None,
    cache_dir: Path | None = None,
    description: str = "grid",
) -> list[GridResult]:
    """Train ``build(**point)`` for each point of ``grid``, resuming from the cache; see the module doc.

    The pending points train ``models_per_graph`` at a time on the Dask cluster named by
    ``$GRID_CLUSTER``, or else on a local one: one worker in this process, or ``workers`` worker
    processes; ``None`` picks both for this machine (``default_parallelism``). Neither changes the
    results beyond the last bits of float sums. Whether the points trained or came from the cache,
    the random state is left as ``seed_everything(seed)`` leaves it (an in-process worker sets the
    seeds of its epochs in this process).
    """
    folder = grid_cache() if cache_dir is None else cache_dir
    auto_workers, auto_per_graph = default_parallelism()
    workers = auto_workers if workers is None else workers
    models_per_graph = auto_per_graph if models_per_graph is None else models_per_graph
    results, pending = _scan(build, grid, data, epochs=epochs, seed=seed, profile=profile, folder=folder)
    cached = len(grid) - len(pending)
    if os.environ.get(TIME_VARIABLE):
        _time_untimed(build, results, data, epochs=epochs, seed=seed, profile=profile, folder=folder)
    note_from_cache([result.training_seconds for result in results if result is not None])
    if cached:
        tqdm.write(f"{description}: {cached} of {len(grid)} networks come from an earlier run's cache", file=sys.stderr)
    if not pending:
        seed_everything(seed)
        return results
    parts = balanced_chunks(pending, models_per_graph, workers)
    chunks = [
        Chunk(build, tuple(grid[index] for index, *_ in part), tuple(key for _, key, _ in part), seed, epochs)
        for part in parts
    ]
    initial = [InitialWeights.of([model for *_, model in part]) for part in parts]
    bar = tqdm(
        total=len(pending) * epochs,
        desc=f"{description}: {cached} cached",
        unit="model-epoch",
        mininterval=PROGRESS_INTERVAL,
    )
    processes = min(workers, len(chunks))
    cluster = CLUSTER_VARIABLE if os.environ.get(CLUSTER_VARIABLE) else "local"
    with grid_client(processes, folder / "workers") as client:
        for position, trained in train_chunks(client, chunks, initial, data, folder / "in-flight", bar):
            layout = {"networks in its graph": len(parts[position]), "workers": processes, "cluster": cluster}
            for (index, key, _), model in zip(parts[position], trained, strict=True):
                measured = model.evaluation
                results[index] = GridResult(
                    grid[index],
                    model.history,
                    measured.test_loss,
                    measured.test_accuracy,
                    measured.params,
                    measured.weights,
                    training_seconds=sum(model.epoch_seconds),
                )
                _store(folder, key, results[index], layout)
    bar.close()
    seed_everything(seed)
    return results


def select(results: Sequence[GridResult]) -> tuple[int, int]:
    """Index of the point with the best final validation accuracy (the selection), and of the best test one.

    The second is shown only to measure what choosing on the test set, as the original tutorial did,
    would have changed: it is never used to pick a model.
    """
    by_validation = int(np.argmax([r.val_accuracy for r in results]))
    by_test = int(np.argmax([r.test_accuracy for r in results]))
    return by_validation, by_test


def validation_ties(results: Sequence[GridResult]) -> list[int]:
    """Indices of the points that share the best final validation accuracy, in grid order.

    ``select`` takes the first of them: a tie is broken by the order of the grid.
    """
    best = max(r.val_accuracy for r in results)
    return [index for index, r in enumerate(results) if r.val_accuracy == best]


def selection_summary(results: Sequence[GridResult], describe: Callable[[dict[str, Any]], str]) -> str:
    """Markdown sentences on the selected point, any tie it won by the grid's order, and the test set's pick."""
    chosen, test_pick = select(results)
    best, alt = results[chosen], results[test_pick]
    text = (
        f"Selected on validation accuracy: **{describe(best.point)}**, validation accuracy "
        f"**{best.val_accuracy:.2%}**, test accuracy **{best.test_accuracy:.2%}**.\n\n"
    )
    ties = validation_ties(results)
    if len(ties) > 1:
        others = " and ".join(
            f"{describe(results[i].point)} ({results[i].test_accuracy:.2%} on test)" for i in ties[1:]
        )
        text += (
            f"It **ties** on validation accuracy with {others}: the rule keeps the first tied cell in grid "
            "order, so the order of the grid, not the data, made this pick.\n\n"
        )
    if test_pick == chosen:
        return text + "Picking on the test set, as the original tutorial did, would have chosen the same cell."
    spread = max(r.test_accuracy for r in results) - min(r.test_accuracy for r in results)
    return text + (
        f"Picking on the test set, as the original tutorial did, would have chosen **{describe(alt.point)}** "
        f"with a test accuracy of **{alt.test_accuracy:.2%}**, "
        f"**{(alt.test_accuracy - best.test_accuracy) * 100:.2f}** points above our pick. That figure is "
        f"optimistic by construction: it is the maximum of {len(results)} noisy test scores (they span "
        f"{spread * 100:.2f} points across the grid), so part of its lead is the luck of the test set, "
        f"and a model chosen by its test score has no untouched data left to report on."
    )


def agreement_summary(results: Sequence[GridResult], noise: float, reruns: int) -> str:
    """A Markdown paragraph on how far a grid's validation ranking carries over to the test set.

    ``noise`` (points) is the band within which two trainings of one network land, measured on the
    selected cell's ``reruns`` reruns.
    """
    val = [r.val_accuracy for r in results]
    test = [r.test_accuracy for r in results]
    within = sum(100 * (max(val) - v) <= noise for v in val)
    return (
        f"Across the {len(results)} cells, the validation accuracy and the test accuracy rank the cells "
        f"with a rank correlation of **ρ = {rank_correlation(val, test):.2f}** (Spearman; 1 would be the same "
        f"order). **{within} of the {len(results)} cells** lie within {noise:.2f} points of the best on "
        "validation, the band within which two trainings of one network usually land. That band comes from "
        f"the {reruns} reruns of the selected cell only; the other cells were trained once, and their own "
        "spread was not measured. The best validation score is itself the highest of the grid's noisy "
        "scores, so the count describes this grid rather than ranking its cells."
    )


def selection_record(results: Sequence[GridResult]) -> dict[str, Any]:
    """The ``selected`` entry of a grid part's results: the rule, the pick, the test-set pick, every cell."""
    chosen, test_pick = select(results)
    best = results[chosen]
    return {
        "rule": "highest validation accuracy after the last epoch",
        "point": best.point,
        "val_accuracy": best.val_accuracy,
        "test_accuracy": best.test_accuracy,
        "test_set_pick": {"point": results[test_pick].point, "test_accuracy": results[test_pick].test_accuracy},
        "validation_ties": [results[i].point for i in validation_ties(results)],
        "tie_rule": "the first tied cell in grid order",
        "grid": [
            {
                "point": r.point,
                "val_accuracy": r.val_accuracy,
                "test_accuracy": r.test_accuracy,
                "test_loss": r.test_loss,
            }
            for r in results
        ],
    }
