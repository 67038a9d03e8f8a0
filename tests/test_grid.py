"""The grid runner: side-by-side training equals separate training, and a killed grid resumes."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import _grid_job
import keras
import numpy as np
import pytest

from helpers import grid
from helpers.training import compile_classifier, seed_everything


def _small_lenet(l2: float) -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.AveragePooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(16, activation="relu", kernel_regularizer=keras.regularizers.l1_l2(l2, l2)),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


def test_side_by_side_training_equals_separate_trainings(small_mnist):
    x, y = small_mnist.x_train[..., None], small_mnist.y_train
    penalties = [0.0, 1e-4, 1e-2]
    seed_everything(0)
    initial = [_small_lenet(p).get_weights() for p in penalties]

    separate = []
    for penalty, weights in zip(penalties, initial, strict=True):
        model = _small_lenet(penalty)
        model.set_weights(weights)
        compile_classifier(model)
        model.fit(x, y, batch_size=128, epochs=2, shuffle=False, verbose=0)
        separate.append(model.get_weights())

    together = [_small_lenet(p) for p in penalties]
    for model, weights in zip(together, initial, strict=True):
        model.set_weights(weights)
    group = grid.build_side_by_side(together, x.shape[1:])
    group.fit(x, {f"m{k}": y for k in range(3)}, batch_size=128, epochs=2, shuffle=False, verbose=0)

    for alone, jointly, start in zip(separate, together, initial, strict=True):
        for a, b, w0 in zip(alone, jointly.get_weights(), start, strict=True):
            assert not np.allclose(a, w0)  # training moved the weights
            np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)


def test_run_grid_results_and_cache_hits(small_mnist, tmp_path, capsys):
    points = [{"units": 8}, {"units": 16}, {"units": 24}]
    first = grid.run_grid(
        _grid_job.build,
        points,
        small_mnist,
        epochs=2,
        seed=1,
        profile="quick",
        workers=1,
        models_per_graph=2,
        cache_dir=tmp_path,
    )
    assert [r.point for r in first] == points and not any(r.from_cache for r in first)
    for result in first:
        assert set(result.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
        assert all(len(v) == 2 for v in result.history.values())
        assert 0.15 < result.test_accuracy <= 1.0  # above chance after 16 steps
        units = result.point["units"]
        assert result.params == (784 + 1) * units + (units + 1) * 10
    rebuilt = first[1].model(_grid_job.build)
    compile_classifier(rebuilt)
    assert rebuilt.evaluate(small_mnist.x_test, small_mnist.y_test, verbose=0)[1] == pytest.approx(
        first[1].test_accuracy
    )

    again = grid.run_grid(
        _grid_job.build,
        points,
        small_mnist,
        epochs=2,
        seed=1,
        profile="quick",
        workers=1,
        models_per_graph=2,
        cache_dir=tmp_path,
    )
    assert all(r.from_cache for r in again)
    assert "grid: 3 of 3 networks come from an earlier run's cache" in capsys.readouterr().out
    assert [r.test_accuracy for r in again] == [r.test_accuracy for r in first]
    other_epochs = grid.run_grid(
        _grid_job.build, points[:1], small_mnist, epochs=1, seed=1, profile="quick", cache_dir=tmp_path
    )
    assert not other_epochs[0].from_cache  # the key covers the number of epochs


def test_a_killed_grid_resumes_without_retraining_finished_points(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")])}
    job = subprocess.Popen([sys.executable, _grid_job.__file__, str(cache)], env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not list(cache.glob("*.json")) and job.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    job.send_signal(signal.SIGKILL)
    job.wait()
    finished = len(list(cache.glob("*.json")))
    assert 1 <= finished < len(_grid_job.POINTS), "the job should have been killed halfway"

    trained_now = []
    real_train = grid.train_side_by_side

    def counting(models, *args, **kwargs):
        trained_now.extend(models)
        return real_train(models, *args, **kwargs)

    monkeypatch.setattr(grid, "train_side_by_side", counting)
    results = grid.run_grid(
        _grid_job.build,
        _grid_job.POINTS,
        _grid_job.data(),
        epochs=4,
        seed=3,
        profile="quick",
        workers=1,
        models_per_graph=1,
        cache_dir=cache,
    )
    assert len(trained_now) == len(_grid_job.POINTS) - finished
    assert sum(r.from_cache for r in results) == finished
    assert len(list(cache.glob("*.json"))) == len(_grid_job.POINTS)


class _Interrupt(keras.callbacks.Callback):
    """Stop training like a Ctrl-C at the end of epoch ``at`` (before that epoch's checkpoint is written)."""

    def __init__(self, at: int) -> None:
        super().__init__()
        self.at = at

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if epoch == self.at:
            raise KeyboardInterrupt


class _EpochsRun(keras.callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.epochs: list[int] = []

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.epochs.append(epoch)


def test_models_in_flight_resume_from_their_last_finished_epoch(small_mnist, tmp_path):
    checkpoint = tmp_path / "in-flight"
    seed_everything(0)
    models = [_grid_job.build(8), _grid_job.build(16)]
    with pytest.raises(KeyboardInterrupt):
        grid.train_side_by_side(models, small_mnist, 5, [_Interrupt(at=2)], checkpoint=checkpoint)
    saved = json.loads((checkpoint / "state.json").read_text())
    assert saved["epochs"] == 2  # epochs 0 and 1 finished and were saved; epoch 2 was lost
    assert [p.name for p in checkpoint.glob("*.weights.h5")] == ["epoch-2.weights.h5"]

    seed_everything(0)
    fresh = [_grid_job.build(8), _grid_job.build(16)]
    group = grid.build_side_by_side(fresh, small_mnist.x_train.shape[1:])
    done, _ = grid._resume(group, checkpoint)
    assert done == 2
    assert group.optimizer.iterations.numpy() == 2 * np.ceil(0.9 * len(small_mnist.x_train) / 128)  # Adam's state too

    seed_everything(0)
    fresh = [_grid_job.build(8), _grid_job.build(16)]
    ran = _EpochsRun()
    histories = grid.train_side_by_side(fresh, small_mnist, 5, [ran], checkpoint=checkpoint)
    assert ran.epochs == [2, 3, 4]
    for history in histories:
        assert all(len(values) == 5 for values in history.values())
        assert (
            history["accuracy"][:2] == saved["history"]["m0_accuracy" if history is histories[0] else "m1_accuracy"][:2]
        )
    assert histories[0]["val_accuracy"][-1] > 0.5


def test_worker_processes_train_the_same_grid(small_mnist, tmp_path):
    points = [{"units": 8}, {"units": 16}, {"units": 24}]
    settings = {"epochs": 2, "seed": 5, "profile": "quick", "models_per_graph": 1}
    here = grid.run_grid(_grid_job.build, points, small_mnist, workers=1, cache_dir=tmp_path / "one", **settings)
    spread = grid.run_grid(_grid_job.build, points, small_mnist, workers=2, cache_dir=tmp_path / "two", **settings)
    assert [r.point for r in spread] == points
    assert not any(r.from_cache for r in spread)  # trained by this run's workers, not an earlier run
    assert len(list((tmp_path / "two").glob("*.json"))) == 3
    for alone, shared in zip(here, spread, strict=True):
        assert shared.params == alone.params
        # same seed, same batches: equal up to the order of float sums (threads differ between processes)
        np.testing.assert_allclose(shared.history["loss"], alone.history["loss"], rtol=1e-3)
        assert shared.test_accuracy == pytest.approx(alone.test_accuracy, abs=0.01)


def test_worker_progress_redraws_only_when_a_point_finishes():
    out = io.StringIO()
    bar = grid.tqdm(total=3, file=out, mininterval=0)
    drawn = out.getvalue().count("\r")
    for count in (0, 0, 1, 1, 1, 3, 3):
        grid._advance_to(bar, count)
    assert bar.n == 3
    assert out.getvalue().count("\r") - drawn == 2  # one redraw per change, none while waiting


def test_worker_progress_counts_only_its_own_points(small_mnist, tmp_path, monkeypatch):
    cache = tmp_path / "shared-cache"
    cache.mkdir()
    counts: list[int] = []
    advance = grid._advance_to

    def advance_while_another_run_writes(bar, count):
        (cache / f"another-run-{len(counts)}.json").write_text("{}")  # a concurrent run sharing the cache
        counts.append(count)
        advance(bar, count)

    monkeypatch.setattr(grid, "_advance_to", advance_while_another_run_writes)
    points = [{"units": 8}, {"units": 16}]
    grid.run_grid(_grid_job.build, points, small_mnist, epochs=1, seed=5, profile="quick", workers=2, cache_dir=cache)
    assert counts[-1] == len(points) and max(counts) == len(points)


def _build_rerun(units: int, init_seed: int) -> keras.Model:
    """A point whose second field changes only the initial weights, not the Keras config (like part 4's reruns)."""
    keras.utils.set_random_seed(init_seed)
    return _grid_job.build(units)


def _key(small_mnist, **changes):
    settings = {"point": {"units": 8, "init_seed": 1}, "epochs": 2, "seed": 1, "data": small_mnist, "profile": "quick"}
    settings.update(changes)
    seed_everything(settings["seed"])
    model = _build_rerun(**settings["point"])
    return grid.point_key(
        model,
        settings["point"],
        epochs=settings["epochs"],
        seed=settings["seed"],
        data_id=grid.data_fingerprint(settings["data"]),
        profile=settings["profile"],
    )


def test_every_field_of_the_cache_key_counts(small_mnist, monkeypatch):
    base = _key(small_mnist)
    assert _key(small_mnist) == base  # the same training gets the same key
    other_data = grid.Mnist(small_mnist.x_train[:-1], small_mnist.y_train[:-1], small_mnist.x_test, small_mnist.y_test)
    variants = {
        "seed": _key(small_mnist, seed=2),
        "point": _key(small_mnist, point={"units": 8, "init_seed": 2}),
        "epochs": _key(small_mnist, epochs=3),
        "data": _key(small_mnist, data=other_data),
        "profile": _key(small_mnist, profile="full"),
    }
    monkeypatch.setattr("helpers.training.make_optimizer", lambda: keras.optimizers.Adam(learning_rate=0.01))
    variants["optimizer"] = _key(small_mnist)
    monkeypatch.undo()
    monkeypatch.setattr("helpers.training.BATCH_SIZE", 64)
    variants["batch size"] = _key(small_mnist)
    monkeypatch.undo()
    monkeypatch.setattr(
        "helpers.training.make_loss", lambda name=None: keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    variants["loss"] = _key(small_mnist)
    assert {name: key != base for name, key in variants.items()} == dict.fromkeys(variants, True)


def test_single_fits_and_the_grid_train_with_the_same_settings(small_mnist, monkeypatch):
    made = []
    real = grid.make_optimizer

    def tracked():
        made.append(real())
        return made[-1]

    monkeypatch.setattr(grid, "make_optimizer", tracked)
    group = grid.build_side_by_side([_grid_job.build(8), _grid_job.build(16)], (28, 28))
    alone = compile_classifier(_grid_job.build(8))
    assert group.optimizer is made[0]
    assert type(alone.optimizer) is type(group.optimizer)
    assert alone.optimizer.get_config() | {"name": None} == group.optimizer.get_config() | {"name": None}


def _result(val: float, test: float) -> grid.GridResult:
    return grid.GridResult({"v": val}, {"val_accuracy": [0.1, val]}, 0.1, test, 10, [])


def test_the_selection_uses_validation_never_test():
    results = [_result(0.90, 0.99), _result(0.95, 0.91), _result(0.93, 0.97)]
    assert grid.select(results) == (1, 0)
    record = grid.selection_record(results)
    assert record["point"] == {"v": 0.95} and record["test_accuracy"] == 0.91
    assert record["test_set_pick"] == {"point": {"v": 0.90}, "test_accuracy": 0.99}


def test_penalties_reach_the_trained_models(small_mnist, tmp_path):
    def build(l2: float) -> keras.Model:
        return keras.Sequential(
            [
                keras.Input((28, 28)),
                keras.layers.Flatten(),
                keras.layers.Dense(16, activation="relu", kernel_regularizer=keras.regularizers.l2(l2)),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )

    free, penalized = grid.run_grid(
        build,
        [{"l2": 0.0}, {"l2": 0.5}],
        small_mnist,
        epochs=2,
        seed=1,
        profile="quick",
        workers=1,
        cache_dir=tmp_path,
    )
    norms = [float(np.square(r.weights[0]).sum()) for r in (free, penalized)]
    assert norms[1] < 0.75 * norms[0]  # same start, same batches: only the penalty can shrink the weights
    rebuilt = penalized.model(build)
    penalty = float(sum(keras.ops.convert_to_numpy(loss) for loss in rebuilt.losses))
    assert penalty > 0


def test_recorded_losses_include_each_models_penalty():
    logged = {
        "m0_xent": [0.5, 0.4],
        "m1_xent": [0.6, 0.5],
        "m0_accuracy": [0.8, 0.9],
        "m1_accuracy": [0.7, 0.8],
        "val_m0_xent": [0.45],
        "val_m1_xent": [0.55],
        "val_m0_accuracy": [0.85],
        "val_m1_accuracy": [0.75],
    }
    free, penalized = grid.split_history(logged, 2, [0.0, 0.25])
    assert free["loss"] == [0.5, 0.4] and penalized["loss"] == [0.85, 0.75]
    assert penalized["val_loss"] == [0.8] and penalized["accuracy"] == [0.7, 0.8]
