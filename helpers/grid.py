"""Grid searches: train one model per grid point, resumably, several models per Keras graph.

``run_grid(build, grid, data, epochs=..., seed=...)`` trains ``build(**point)`` for every point of
``grid`` and returns one ``GridResult`` per point, in order. Two things make it practical:

* **Cache and resume.** Each point's result (history, test metrics, final weights) is written to
  disk the moment its training ends, under a key made of everything that determines it: the model's
  full Keras config, the hyperparameters, epochs, seed, the training settings (optimiser, loss,
  metrics, batch size, validation split: ``helpers.training.training_settings``), the data's
  fingerprint, the profile and the Keras/backend versions. A rerun after a crash or ``kill -9``
  skips every finished point. Models in flight are checkpointed after every epoch (weights, Adam's
  moments, history so far) and resume from their last finished epoch; from there on their batches
  come in a different order than an uninterrupted run would have used, an equally valid training
  but not a bitwise copy of it (the run's log says which chunk resumed where).
* **Several models per graph.** ``models_per_graph`` models are trained side by side as one Keras
  model whose loss is the sum of their losses. Adam updates each weight from its own gradient and
  moments only, and the gradient of a sum with respect to one model's weights is that model's own
  gradient, so this is exactly that many independent trainings (``tests/test_grid.py`` checks it
  weight for weight); the models merely share each batch, and the per-step overhead of Keras.

Every point is built right after ``seed_everything(seed)``: all cells of a grid start from the same
initial draw and see the batches in the same order, so differences between cells come from the
hyperparameters, not from luck of the draw.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cloudpickle
import keras
import numpy as np

with warnings.catch_warnings():
    # Without ipywidgets tqdm.auto warns, then draws its text bar, which works in notebooks and logs alike.
    warnings.filterwarnings("ignore", message="IProgress not found")
    from tqdm.auto import tqdm

from helpers.data import PROJECT_ROOT
from helpers.files import atomic_write
from helpers.params import check_optional_count
from helpers.results import write_json_atomically
from helpers.training import (
    BATCH_SIZE,
    METRICS,
    VALIDATION_SPLIT,
    Mnist,
    compile_classifier,
    evaluate,
    make_loss,
    make_optimizer,
    seed_everything,
    training_settings,
    use_xla,
)

CACHE_FORMAT = 2


def cache_root() -> Path:
    """Where finished grid points are kept (gitignored; ``make clean-cache`` removes it)."""
    return Path(os.environ.get("MNIST_SERIES_CACHE", PROJECT_ROOT / ".cache" / "grid"))


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
        "model": _without_names(model.get_config()),
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


def _without_names(config: Any) -> Any:
    """A Keras config with every ``name`` removed (Keras numbers unnamed layers per session)."""
    if isinstance(config, dict):
        return {k: _without_names(v) for k, v in config.items() if k != "name"}
    if isinstance(config, list | tuple):
        return [_without_names(v) for v in config]
    return config


def _load_cached(folder: Path, key: str, point: dict[str, Any]) -> GridResult | None:
    record_path = folder / f"{key}.json"
    if not record_path.is_file():
        return None
    record = json.loads(record_path.read_text())
    with np.load(folder / f"{key}.npz", allow_pickle=False) as stored:
        weights = [stored[f"w{i}"] for i in range(len(stored.files))]
    return GridResult(
        point, record["history"], record["test_loss"], record["test_accuracy"], record["params"], weights, True
    )


def _store(folder: Path, key: str, result: GridResult) -> None:
    """Weights first, then the record (atomically): a record on disk always has its weights."""
    with atomic_write(folder / f"{key}.npz") as tmp:
        np.savez(tmp, **{f"w{i}": w for i, w in enumerate(result.weights)})
    record = {
        "point": result.point,
        "history": result.history,
        "test_loss": result.test_loss,
        "test_accuracy": result.test_accuracy,
        "params": result.params,
    }
    write_json_atomically(record, folder / f"{key}.json")


def build_side_by_side(models: Sequence[keras.Model], input_shape: tuple[int, ...]) -> keras.Model:
    """One Keras model with ``len(models)`` outputs, ``m0``..``mK``: the given models on a shared input."""
    inputs = keras.Input(input_shape)
    # Fresh functional wrappers share each model's layers and weights but get unique names m0..mK.
    wrapped = [keras.Model(model.inputs, model.outputs, name=f"m{k}") for k, model in enumerate(models)]
    outputs = [model(inputs) for model in wrapped]
    side_by_side = keras.Model(inputs, outputs)
    compile_classifier_group(side_by_side, len(models))
    return side_by_side


def compile_classifier_group(model: keras.Model, count: int) -> None:
    """Compile a side-by-side model with the series' settings: one loss per output, summed; one optimiser for all.

    Each output also reports its loss as the metric ``xent``, which (unlike Keras's ``loss``) leaves out
    the weight penalties, so ``split_history`` can give every model its own curves.
    """
    model.compile(
        optimizer=make_optimizer(),
        loss={f"m{k}": make_loss() for k in range(count)},
        metrics={f"m{k}": [*METRICS, keras.metrics.SparseCategoricalCrossentropy(name="xent")] for k in range(count)},
        jit_compile=use_xla(),
    )


def split_history(history: dict[str, list[float]], count: int, penalties: list[float]) -> list[dict[str, list[float]]]:
    """Per-model histories with Keras's own keys (``loss``, ``accuracy``, ``val_*``).

    A side-by-side model logs each model's cross-entropy as the metric ``m<k>_xent``; a single model's
    ``loss`` also counts its weight penalties. ``penalties`` holds each model's penalty at the end
    of training, added to the logged cross-entropy so the curves mean what a single fit's would.
    """
    histories = []
    for k in range(count):
        entry = {}
        output = f"m{k}_" if count > 1 else ""  # Keras prefixes metric names only when outputs are several
        for split in ("", "val_"):
            entry[f"{split}loss"] = [float(v) + penalties[k] for v in history[f"{split}{output}xent"]]
            entry[f"{split}accuracy"] = [float(v) for v in history[f"{split}{output}accuracy"]]
        histories.append(entry)
    return histories


def _penalty(model: keras.Model) -> float:
    return float(sum(keras.ops.convert_to_numpy(loss) for loss in model.losses)) if model.losses else 0.0


class _EpochProgress(keras.callbacks.Callback):
    """Advance a progress bar by ``models`` model-epochs at each epoch end (and over resumed epochs)."""

    def __init__(self, bar: tqdm, models: int) -> None:
        super().__init__()
        self.bar, self.models, self.started = bar, models, False

    def on_epoch_begin(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        if not self.started:
            self.started = True
            self.bar.update(self.models * epoch)

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        self.bar.update(self.models)


class _EpochCheckpoint(keras.callbacks.Callback):
    """After every epoch, write the weights (optimizer state included) and the history so far to ``folder``.

    The weights go to a new file named after the epoch; only then is the record that points to it
    replaced (atomically) and the previous epoch's file removed, so a kill at any moment leaves a
    consistent pair on disk.
    """

    def __init__(self, folder: Path, history: dict[str, list[float]]) -> None:
        super().__init__()
        self.folder, self.history = folder, history

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(float(value))
        self.folder.mkdir(parents=True, exist_ok=True)
        weights = f"epoch-{epoch + 1}.weights.h5"
        self.model.save_weights(self.folder / weights)
        write_json_atomically(
            {"epochs": epoch + 1, "weights": weights, "history": self.history}, self.folder / "state.json"
        )
        for old in self.folder.glob("epoch-*.weights.h5"):
            if old.name != weights:
                old.unlink()


def _resume(group: keras.Model, checkpoint: Path) -> tuple[int, dict[str, list[float]]]:
    """Load ``checkpoint``'s last state into ``group``; return the epochs it had finished and their history."""
    state_path = checkpoint / "state.json"
    if not state_path.is_file():
        return 0, {}
    state = json.loads(state_path.read_text())
    group.optimizer.build(group.trainable_variables)
    group.load_weights(checkpoint / state["weights"])
    return state["epochs"], state["history"]


def train_side_by_side(
    models: Sequence[keras.Model], data: Mnist, epochs: int, callbacks: list[Any], checkpoint: Path | None = None
) -> list[dict]:
    """Train ``models`` together (see the module docstring) and return their separate histories.

    With ``checkpoint`` (a folder), every epoch is saved there and a later call with the same models
    continues from the last saved epoch; the caller removes the folder once the results are stored.
    """
    group = build_side_by_side(models, data.x_train.shape[1:])
    done, history = _resume(group, checkpoint) if checkpoint else (0, {})
    if done:
        tqdm.write(f"{checkpoint.name}: resuming {len(models)} models after epoch {done} of {epochs}")
    if done < epochs:
        fitted = group.fit(
            data.x_train,
            {f"m{k}": data.y_train for k in range(len(models))},
            initial_epoch=done,
            epochs=epochs,
            batch_size=BATCH_SIZE,
            validation_split=VALIDATION_SPLIT,
            verbose=0,
            callbacks=[*callbacks, _EpochCheckpoint(checkpoint, history)] if checkpoint else callbacks,
        )
        if not checkpoint:
            history = fitted.history
    return split_history(history, len(models), [_penalty(m) for m in models])


def _scan(build, grid, data, *, epochs, seed, profile, folder):
    """Build every point's model; return cached results (None where missing) and the pending points."""
    data_id = data_fingerprint(data)
    results: list[GridResult | None] = []
    pending: list[tuple[int, str, keras.Model]] = []
    for index, point in enumerate(grid):
        seed_everything(seed)
        model = build(**point)
        key = point_key(model, point, epochs=epochs, seed=seed, data_id=data_id, profile=profile)
        cached = _load_cached(folder, key, point)
        results.append(cached)
        if cached is None:
            pending.append((index, key, model))
    return results, pending


def default_parallelism() -> tuple[int, int]:
    """``(workers, models_per_graph)`` for this machine, from ``make bench``'s measurements.

    On the 2-core CPU here, one worker process per core, each with four LeNets side by side in one
    graph, trains a grid 1.35x faster than four side by side in a single two-thread process (7.1 vs
    9.6 s per model-epoch over 2 epochs, workers' start-up included): TensorFlow's small convolutions
    use a second thread poorly. On an accelerator, more models per graph in one process keep it busier.
    """
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        if not tf.config.list_physical_devices("GPU"):
            return min(2, os.cpu_count() or 1), 4
    return 1, 12


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

    ``workers`` processes (each with its share of the CPU threads) train the pending points, each
    ``models_per_graph`` at a time; ``None`` picks both for this machine. Neither changes the results.
    """
    check_optional_count("workers", workers)
    check_optional_count("models_per_graph", models_per_graph)
    folder = cache_root() if cache_dir is None else cache_dir
    auto_workers, auto_per_graph = default_parallelism()
    workers = auto_workers if workers is None else workers
    models_per_graph = auto_per_graph if models_per_graph is None else models_per_graph
    settings = {"epochs": epochs, "seed": seed, "profile": profile, "folder": folder}
    results, pending = _scan(build, grid, data, **settings)
    cached = len(grid) - len(pending)
    if cached:
        tqdm.write(f"{description}: {cached} of {len(grid)} networks come from an earlier run's cache")
    if pending and workers > 1 and len(pending) > 1:
        _train_in_workers(build, grid, pending, data, settings, workers, models_per_graph, description)
        results, missing = _scan(build, grid, data, **settings)
        if missing:
            raise RuntimeError(f"{description}: {len(missing)} points are missing after the workers finished")
        for index, _, _ in pending:
            results[index].from_cache = False  # trained by this run's workers
    elif pending:
        _train_here(grid, pending, results, data, settings, models_per_graph, description)
    return [r for r in results if r is not None]


def _train_here(grid, pending, results, data, settings, models_per_graph, description) -> None:
    """Train the pending points in this process, ``models_per_graph`` at a time, storing each at once."""
    epochs = settings["epochs"]
    bar = tqdm(
        total=len(pending) * epochs, desc=f"{description}: {len(grid) - len(pending)} cached", unit="model-epoch"
    )
    for start in range(0, len(pending), models_per_graph):
        chunk = pending[start : start + models_per_graph]
        seed_everything(settings["seed"])
        in_flight = (
            settings["folder"]
            / "in-flight"
            / hashlib.sha256("+".join(k for _, k, _ in chunk).encode()).hexdigest()[:24]
        )
        histories = train_side_by_side(
            [m for _, _, m in chunk], data, epochs, [_EpochProgress(bar, len(chunk))], checkpoint=in_flight
        )
        for (index, key, model), history in zip(chunk, histories, strict=True):
            compile_classifier(model)
            test_loss, test_accuracy = evaluate(model, data)
            result = GridResult(
                grid[index], history, test_loss, test_accuracy, model.count_params(), model.get_weights()
            )
            _store(settings["folder"], key, result)
            results[index] = result
        shutil.rmtree(in_flight)
    bar.close()


def _train_in_workers(build, grid, pending, data, settings, workers, models_per_graph, description) -> None:
    """Share the ``pending`` points among ``workers`` processes (``python -m helpers.grid JOB``); they write the cache.

    The builder travels by value (cloudpickle), the data as ``.npy`` files the workers memory-map. Each
    worker gets an equal share of the CPU threads. Progress is read off the cache as these points'
    records appear (other runs may be writing to the same cache).
    """
    points = [grid[i] for i, _, _ in pending]
    records = [settings["folder"] / f"{key}.json" for _, key, _ in pending]
    workers = min(workers, len(points))
    threads = str(max(1, (os.cpu_count() or 1) // workers))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),  # whatever the builder's module needs
        "TF_NUM_INTRAOP_THREADS": threads,
        "TF_NUM_INTEROP_THREADS": threads,
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    with tempfile.TemporaryDirectory(prefix="grid-") as tmp:
        for name in ("x_train", "y_train", "x_test", "y_test"):
            np.save(Path(tmp) / f"{name}.npy", getattr(data, name))
        processes = []
        try:
            for rank in range(workers):
                job = Path(tmp) / f"job{rank}.pkl"
                job.write_bytes(
                    cloudpickle.dumps(
                        {
                            "build": build,
                            "grid": points[rank::workers],
                            "data": tmp,
                            "models_per_graph": models_per_graph,
                            **settings,
                        }
                    )
                )
                log = open(Path(tmp) / f"job{rank}.log", "w")  # noqa: SIM115 - closed with the process below
                processes.append(
                    (
                        subprocess.Popen(
                            [sys.executable, "-m", "helpers.grid", str(job)],
                            env=env,
                            stdout=log,
                            stderr=subprocess.STDOUT,
                        ),
                        log,
                    )
                )
            bar = tqdm(total=len(points), desc=f"{description}: {workers} workers", unit="model")
            while any(p.poll() is None for p, _ in processes):
                time.sleep(2)
                _advance_to(bar, sum(r.is_file() for r in records))
            _advance_to(bar, sum(r.is_file() for r in records))
            bar.close()
            for rank, (process, log) in enumerate(processes):
                log.close()
                text = (Path(tmp) / f"job{rank}.log").read_text()
                if process.returncode != 0:
                    raise RuntimeError(
                        f"{description}: grid worker {rank} failed (exit {process.returncode}):\n{text[-2000:]}"
                    )
                for line in text.splitlines():
                    if ": resuming " in line:
                        tqdm.write(f"worker {rank}, {line}")
        finally:
            for process, log in processes:
                if process.poll() is None:
                    process.kill()
                    process.wait()
                log.close()


def _advance_to(bar: tqdm, count: int) -> None:
    """Move ``bar`` to ``count`` only when it changed: every redraw is one more output in an executed notebook."""
    if count != bar.n:
        bar.update(count - bar.n)


def _worker(job_file: Path) -> None:
    """Entry point of a grid worker: train its share of the points into the cache."""
    job = cloudpickle.loads(job_file.read_bytes())  # written by this process's parent
    arrays = {
        name: np.load(Path(job["data"]) / f"{name}.npy", mmap_mode="r")
        for name in ("x_train", "y_train", "x_test", "y_test")
    }
    data = Mnist(**{name: np.asarray(array) for name, array in arrays.items()})
    run_grid(
        job["build"],
        job["grid"],
        data,
        epochs=job["epochs"],
        seed=job["seed"],
        profile=job["profile"],
        models_per_graph=job["models_per_graph"],
        workers=1,
        cache_dir=job["folder"],
        description="worker",
    )


def select(results: Sequence[GridResult]) -> tuple[int, int]:
    """Index of the point with the best final validation accuracy (the selection), and of the best test one.

    The second is shown only to measure what choosing on the test set, as the original tutorial did,
    would have changed: it is never used to pick a model.
    """
    by_validation = int(np.argmax([r.val_accuracy for r in results]))
    by_test = int(np.argmax([r.test_accuracy for r in results]))
    return by_validation, by_test


def selection_summary(results: Sequence[GridResult], describe: Callable[[dict[str, Any]], str]) -> str:
    """Markdown sentences on the selected point and on the one the test set would have picked."""
    chosen, test_pick = select(results)
    best, alt = results[chosen], results[test_pick]
    text = (
        f"Selected on validation accuracy: **{describe(best.point)}**, validation accuracy "
        f"**{best.val_accuracy:.2%}**, test accuracy **{best.test_accuracy:.2%}**.\n\n"
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


if __name__ == "__main__":
    _worker(Path(sys.argv[1]))
