"""The grid runner: side-by-side training equals separate training, a killed grid resumes, Dask runs it."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import CancelledError
from pathlib import Path
from typing import Any

import _grid_job
import keras
import numpy as np
import psutil
import pytest
from distributed import Client, Future, LocalCluster, get_worker

from helpers import grid, grid_engine, side_by_side
from helpers.training import compile_classifier, seed_everything

TESTS = Path(__file__).parent


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


@pytest.mark.slow
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
    group = side_by_side.build_side_by_side(together, x.shape[1:])
    group.fit(x, {f"m{k}": y for k in range(3)}, batch_size=128, epochs=2, shuffle=False, verbose=0)

    for alone, jointly, start in zip(separate, together, initial, strict=True):
        for a, b, w0 in zip(alone, jointly.get_weights(), start, strict=True):
            assert not np.allclose(a, w0)  # training moved the weights
            np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)


@pytest.mark.slow
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
    assert "grid: 3 of 3 networks come from an earlier run's cache" in capsys.readouterr().err
    # Each entry records the layout that trained it: 2 + 1 networks per graph, one worker.
    layouts = sorted(
        json.loads(entry.read_text())["layout"]["networks in its graph"] for entry in tmp_path.glob("*.json")
    )
    assert layouts == [1, 2, 2]
    assert [r.test_accuracy for r in again] == [r.test_accuracy for r in first]
    other_epochs = grid.run_grid(
        _grid_job.build, points[:1], small_mnist, epochs=1, seed=1, profile="quick", cache_dir=tmp_path
    )
    assert not other_epochs[0].from_cache  # the key covers the number of epochs


def _small_grid(data, cache_dir, points=({"units": 8},), epochs=2):
    return grid.run_grid(
        _grid_job.build, list(points), data, epochs=epochs, seed=1, profile="quick", workers=1, cache_dir=cache_dir
    )


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


def _other_shapes(path: Path) -> None:
    np.savez(path, w0=np.zeros((3, 3)))


@pytest.mark.parametrize(
    ("damage", "suffix"),
    [(_truncate, ".json"), (_truncate, ".npz"), (_other_shapes, ".npz"), (lambda p: p.write_text("[1, 2]"), ".json")],
)
@pytest.mark.slow
def test_a_damaged_cache_entry_is_set_aside_with_one_line_and_trained_again(
    small_mnist, tmp_path, capsys, damage, suffix
):
    first = _small_grid(small_mnist, tmp_path)[0]
    (entry,) = tmp_path.glob(f"*{suffix}")
    damage(entry)
    capsys.readouterr()
    again = _small_grid(small_mnist, tmp_path)[0]
    said = capsys.readouterr().out
    assert f"grid cache: {entry} is damaged" in said and "trains again" in said  # the file that is damaged
    assert f"git checkout -- {entry.with_suffix('.json')} {entry.with_suffix('.npz')}" in said
    assert not again.from_cache and again.test_accuracy == first.test_accuracy  # retrained, to the same network
    (moved,) = (tmp_path / grid_engine.CORRUPT).iterdir()
    assert sorted(p.name for p in moved.iterdir()) == sorted([entry.stem + ".json", entry.stem + ".npz"])
    assert _small_grid(small_mnist, tmp_path)[0].from_cache  # the retrained network is cached again


def test_a_damaged_checkpoint_is_set_aside_and_its_networks_start_again(tmp_path, capsys):
    folder = tmp_path / "in-flight" / "chunk"
    grid_engine.write_checkpoint(folder, 2, [np.ones(3)], {"loss": [0.5, 0.4]})
    assert grid_engine.read_checkpoint(folder)[0] == 2
    _truncate(folder / "epoch-2.npz")
    assert grid_engine.read_checkpoint(folder) == (0, None, {})
    said = capsys.readouterr().out
    assert f"the checkpoint {folder} is damaged" in said and "from their first epoch" in said
    assert not folder.exists()
    (moved,) = (tmp_path / grid_engine.CORRUPT).iterdir()
    assert (moved / "chunk" / "progress.json").is_file()


def _job_environment(**extra: str) -> dict[str, str]:
    """The environment of a grid job or Dask process started by a test: it imports ``_grid_job`` and the helpers."""
    path = os.pathsep.join([str(TESTS), str(TESTS.parent), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path, "TF_CPP_MIN_LOG_LEVEL": "2", **extra}


def _wait_for(condition, what: str, process: subprocess.Popen | None = None, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert process is None or process.poll() is None, f"the job ended before {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.mark.slow
def test_a_killed_grid_resumes_without_retraining_finished_points(tmp_path):
    cache = tmp_path / "cache"
    job = subprocess.Popen(
        [sys.executable, _grid_job.__file__, str(cache)], env=_job_environment(), stderr=subprocess.DEVNULL
    )
    _wait_for(lambda: list(cache.glob("*.json")), "a point finished", job)
    job.send_signal(signal.SIGKILL)
    job.wait()
    finished = len(list(cache.glob("*.json")))
    assert 1 <= finished < len(_grid_job.POINTS), "the job should have been killed halfway"

    results = _grid_job.run(cache)
    assert sum(r.from_cache for r in results) == finished  # the finished points were read, not retrained
    assert len(list(cache.glob("*.json"))) == len(_grid_job.POINTS)


def _with_dropout(units: int) -> keras.Model:
    """A model whose training also draws random numbers: dropout's state must survive a resume too."""
    return keras.Sequential(
        [
            keras.Input((28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(units, activation="relu"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


@pytest.mark.slow
def test_models_in_flight_resume_and_train_exactly_as_an_uninterrupted_run(small_mnist, tmp_path, monkeypatch, capsys):
    points = [{"units": 8}, {"units": 16}]
    settings = {"epochs": 5, "seed": 4, "profile": "quick", "workers": 1, "models_per_graph": 2}
    uninterrupted = grid.run_grid(_with_dropout, points, small_mnist, cache_dir=tmp_path / "whole", **settings)

    saves = []
    real_write = grid_engine.write_checkpoint

    def interrupt_after_two_epochs(*args, **kwargs):
        real_write(*args, **kwargs)
        saves.append(args[1])
        if len(saves) == 2:
            raise KeyboardInterrupt  # a Ctrl-C right after epoch 2's checkpoint

    monkeypatch.setattr(grid_engine, "write_checkpoint", interrupt_after_two_epochs)
    cache = tmp_path / "interrupted"
    with pytest.raises(KeyboardInterrupt):
        grid.run_grid(_with_dropout, points, small_mnist, cache_dir=cache, **settings)
    monkeypatch.undo()
    (checkpoint,) = (cache / "in-flight").iterdir()
    assert json.loads((checkpoint / "progress.json").read_text())["epochs"] == 2
    assert [p.name for p in checkpoint.glob("*.npz")] == ["epoch-2.npz"]  # the previous epoch's state is gone

    saved_after = []

    def recording(*args, **kwargs):
        saved_after.append(args[1])
        real_write(*args, **kwargs)

    monkeypatch.setattr(grid_engine, "write_checkpoint", recording)
    grid_engine._BUILT.clear()  # a new process: the chunk is rebuilt and gets its state from the checkpoint only
    capsys.readouterr()
    resumed = grid.run_grid(_with_dropout, points, small_mnist, cache_dir=cache, **settings)
    assert f"{checkpoint.name}: resuming 2 models after epoch 2 of 5" in capsys.readouterr().out
    assert saved_after == [3, 4]  # epochs 3 and 4 trained and saved; the 5th ends in the cache instead
    assert not (cache / "in-flight" / checkpoint.name).exists()
    for whole, again in zip(uninterrupted, resumed, strict=True):
        # same state, same per-epoch batch order: the resumed run is the uninterrupted one
        np.testing.assert_allclose(again.history["loss"], whole.history["loss"], rtol=1e-5)
        np.testing.assert_allclose(again.history["val_accuracy"], whole.history["val_accuracy"], rtol=1e-5)
        assert again.test_accuracy == pytest.approx(whole.test_accuracy, abs=1e-6)
        for a, b in zip(again.weights, whole.weights, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.slow
def test_an_epoch_depends_on_its_starting_state_and_number_only(small_mnist, tmp_path):
    chunk = grid_engine.Chunk(_with_dropout, ({"units": 8}, {"units": 16}), ("a", "b"), seed=4, epochs=3)
    seed_everything(chunk.seed)
    initial = grid_engine.InitialWeights.of([_with_dropout(**point) for point in chunk.points])
    with grid_engine.grid_client(1, tmp_path) as client:  # an in-process worker: it shares our random state
        data = client.scatter(small_mnist)
        first = client.submit(grid_engine.train_epoch, chunk, 0, initial, data, pure=False).result()
        second = []
        for unrelated in (1, 2):
            seed_everything(unrelated)  # whatever else ran in the worker's process before this task
            task = client.submit(grid_engine.train_epoch, chunk, 1, first.state, data, pure=False)
            second.append(task.result())
    assert second[0].logs == second[1].logs
    for a, b in zip(second[0].state, second[1].state, strict=True):
        np.testing.assert_array_equal(a, b)


def _with_dropout_on_a_worker_of_any_random_state(units: int) -> keras.Model:
    """``_with_dropout``, built on a worker after anything at all has drawn from its random generators.

    Dask's event loop draws from Python's random module (``sizeof`` samples long lists) while a task
    runs in the worker's thread, so a worker's random state at build time is anyone's guess.
    """
    try:
        get_worker()
    except ValueError:  # the driver, building the point for its cache key
        pass
    else:
        keras.utils.set_random_seed(random.randrange(2**31))
    return _with_dropout(units)


@pytest.mark.slow
def test_a_grid_trains_the_weights_and_dropout_seeds_the_driver_drew_whatever_the_workers_random_state(
    small_mnist, tmp_path
):
    points = [{"units": 8}, {"units": 16}]
    settings = {"epochs": 2, "seed": 6, "profile": "quick", "models_per_graph": 2, "workers": 1}
    calm = grid.run_grid(_with_dropout, points, small_mnist, cache_dir=tmp_path / "calm", **settings)
    busy = grid.run_grid(
        _with_dropout_on_a_worker_of_any_random_state, points, small_mnist, cache_dir=tmp_path / "busy", **settings
    )
    for expected, trained in zip(calm, busy, strict=True):
        assert trained.history == expected.history
        for a, b in zip(trained.weights, expected.weights, strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.mark.slow
def test_a_lost_first_epoch_is_trained_again_from_the_drivers_initial_weights(small_mnist, tmp_path, monkeypatch):
    points = [{"units": 8}, {"units": 16}]
    settings = {"epochs": 2, "seed": 8, "profile": "quick", "models_per_graph": 2, "workers": 1}
    reference = grid.run_grid(_with_dropout, points, small_mnist, cache_dir=tmp_path / "reference", **settings)
    train_epoch, lost = grid_engine._train_epoch, []

    def first_start_lost(chunk, epoch, state, data):
        if epoch == 0 and not lost:
            lost.append(state)
            raise CancelledError  # what the driver sees when Dask gives up a task
        return train_epoch(chunk, epoch, state, data)

    monkeypatch.setattr(grid_engine, "_train_epoch", first_start_lost)  # the in-process worker calls it
    again = grid.run_grid(_with_dropout, points, small_mnist, cache_dir=tmp_path / "again", **settings)
    assert len(lost) == 1 and isinstance(lost[0], grid_engine.InitialWeights)
    for expected, trained in zip(reference, again, strict=True):
        assert trained.history == expected.history


def test_a_grid_builder_must_return_a_built_model(small_mnist, tmp_path):
    def unbuilt(units: int) -> keras.Model:
        return keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(units)])

    with pytest.raises(ValueError, match=r"start it with keras\.Input"):
        grid.run_grid(unbuilt, [{"units": 4}], small_mnist, epochs=1, seed=0, profile="quick", cache_dir=tmp_path)


@pytest.mark.slow
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
    real = side_by_side.make_optimizer

    def tracked():
        made.append(real())
        return made[-1]

    monkeypatch.setattr(side_by_side, "make_optimizer", tracked)
    group = side_by_side.build_side_by_side([_grid_job.build(8), _grid_job.build(16)], (28, 28))
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


def test_a_tie_on_validation_is_reported_with_the_rule_that_broke_it():
    results = [_result(0.90, 0.99), _result(0.95, 0.91), _result(0.95, 0.97), _result(0.93, 0.90)]
    assert grid.validation_ties(results) == [1, 2] and grid.select(results)[0] == 1  # the first in grid order
    record = grid.selection_record(results)
    assert record["validation_ties"] == [{"v": 0.95}, {"v": 0.95}]
    sentence = grid.selection_summary(results, lambda p: f"v {p['v']}")
    assert "**ties** on validation accuracy with v 0.95 (97.00% on test)" in sentence and "grid order" in sentence
    assert "ties" not in grid.selection_summary(results[:2], lambda p: f"v {p['v']}")


def test_the_agreement_paragraph_counts_the_cells_within_the_band_and_ranks_them():
    results = [_result(0.990, 0.980), _result(0.985, 0.985), _result(0.970, 0.960), _result(0.950, 0.940)]
    text = grid.agreement_summary(results, noise=0.6, reruns=10)
    assert "**ρ = 0.80**" in text  # ranks (4, 3, 2, 1) against (3, 4, 2, 1)
    assert "**2 of the 4 cells** lie within 0.60 points" in text and "10 reruns of the selected cell" in text


@pytest.mark.slow
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
    free, penalized = side_by_side.split_history(logged, 2, [0.0, 0.25])
    assert free["loss"] == [0.5, 0.4] and penalized["loss"] == [0.85, 0.75]
    assert penalized["val_loss"] == [0.8] and penalized["accuracy"] == [0.7, 0.8]


@pytest.mark.slow
def test_killing_the_driver_stops_its_workers_and_leaves_no_temporary_data(tmp_path):
    cache, scratch = tmp_path / "cache", tmp_path / "tmp"
    scratch.mkdir()
    job = subprocess.Popen(
        [sys.executable, _grid_job.__file__, str(cache), "2"],
        env=_job_environment(TMPDIR=str(scratch)),
        stderr=subprocess.DEVNULL,
    )
    _wait_for(lambda: list(cache.glob("in-flight/*/progress.json")), "the workers trained an epoch", job)
    workers = psutil.Process(job.pid).children(recursive=True)
    assert len(workers) >= 2  # the local cluster's worker processes
    job.send_signal(signal.SIGKILL)
    job.wait()
    _, alive = psutil.wait_procs(workers, timeout=30)
    assert alive == [], f"still running 30 s after the driver's kill -9: {[p.pid for p in alive]}"
    assert list(scratch.iterdir()) == []  # nothing in the temporary folder

    results = _grid_job.run(cache)
    assert len(results) == len(_grid_job.POINTS) and not list(cache.glob("in-flight/*"))
    leftovers = {p.name for p in (cache / "workers" / "dask-scratch-space").iterdir()}
    assert leftovers <= {"global.lock", "purge.lock"}  # the killed cluster's folders were cleared


def _listening_addresses() -> set[str]:
    """The addresses on which this process and its children accept connections."""
    me = psutil.Process()
    pids = {me.pid, *(child.pid for child in me.children(recursive=True))}
    return {
        conn.laddr.ip
        for conn in psutil.net_connections(kind="inet")
        if conn.status == psutil.CONN_LISTEN and conn.pid in pids
    }


@pytest.mark.parametrize("workers", [1, 2])  # the in-process worker, then worker processes
def test_a_local_cluster_listens_on_loopback_only(workers, tmp_path):
    before = _listening_addresses()
    with grid_engine.grid_client(workers, tmp_path):
        during = _listening_addresses() - before
    assert during, "the cluster opened no listening socket: the test would see nothing"
    assert during == {grid_engine.LOOPBACK}, f"a local cluster listens beyond this machine: {sorted(during)}"


def test_an_unreachable_cluster_gets_one_clear_error(small_mnist, tmp_path, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{probe.getsockname()[1]}"  # nothing listens there once the probe closes
    monkeypatch.setenv(grid_engine.CLUSTER_VARIABLE, address)
    monkeypatch.setattr(grid_engine, "CONNECT_TIMEOUT", "2s")
    with pytest.raises(ConnectionError, match=f"GRID_CLUSTER={address}: no Dask scheduler answered"):
        grid.run_grid(
            _grid_job.build, [{"units": 8}], small_mnist, epochs=1, seed=1, profile="quick", cache_dir=tmp_path
        )
    assert not list(tmp_path.glob("*.json"))


@pytest.fixture
def dask_cluster(tmp_path):
    """A scheduler and two single-thread workers on 127.0.0.1, started with Dask's own command line."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).with_name("dask"))
    environment = _job_environment(TF_NUM_INTRAOP_THREADS="1", TF_NUM_INTEROP_THREADS="1")
    commands = [
        [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        *[
            [dask, "worker", address, "--nthreads", "1", "--no-dashboard", "--local-directory", str(tmp_path / "w")]
            for _ in range(2)
        ],
    ]
    log = open(tmp_path / "cluster.log", "w")  # noqa: SIM115 - closed below
    processes = [
        subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        for command in commands
    ]
    try:
        with Client(address, timeout="60s", set_as_default=False) as observer:
            observer.wait_for_workers(2, timeout=120)
            yield address, observer
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


@pytest.mark.slow
def test_a_cluster_named_by_grid_cluster_trains_the_grid_through_a_lost_worker(
    dask_cluster, small_mnist, tmp_path, monkeypatch
):
    address, observer = dask_cluster
    points = [{"units": u} for u in (8, 16, 24, 32)]
    settings = {"epochs": 4, "seed": 7, "profile": "quick", "models_per_graph": 1}
    # The reference is a local run on single-thread worker processes like the cluster's: TensorFlow's
    # sums, and so the last bits of the losses, depend on its thread count.
    monkeypatch.delenv(grid_engine.CLUSTER_VARIABLE, raising=False)
    local = grid.run_grid(_grid_job.build, points, small_mnist, workers=2, cache_dir=tmp_path / "local", **settings)
    monkeypatch.setenv(grid_engine.CLUSTER_VARIABLE, address)

    remote_cache = tmp_path / "remote"
    killed: list[str] = []

    def kill_a_busy_worker() -> None:
        pids = observer.run(os.getpid)
        deadline = time.monotonic() + 180
        seen: dict[str, tuple] = {}
        while not killed and time.monotonic() < deadline:
            for worker, tasks in observer.processing().items():
                # the same task still running 50 ms later, once the first epochs are checkpointed: mid-task
                if tasks and seen.get(worker) == tuple(tasks) and list(remote_cache.glob("in-flight/*/progress.json")):
                    os.kill(pids[worker], signal.SIGKILL)
                    killed.append(worker)
                    break
                seen[worker] = tuple(tasks)
            time.sleep(0.05)

    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    remote = grid.run_grid(_grid_job.build, points, small_mnist, cache_dir=remote_cache, **settings)
    killer.join()
    assert killed, "no worker was caught running a task"
    assert len(list(remote_cache.glob("*.json"))) == len(points)
    for here, there in zip(local, remote, strict=True):
        assert not there.from_cache
        np.testing.assert_allclose(there.history["loss"], here.history["loss"], rtol=1e-6)
        assert there.test_accuracy == here.test_accuracy


@pytest.mark.parametrize(
    ("points", "per_graph", "workers", "sizes"),
    [
        (5, 4, 2, [3, 2]),
        (36, 4, 2, [4] * 6 + [3] * 4),
        (8, 4, 1, [4, 4]),
        (3, 4, 2, [2, 1]),
        (1, 4, 2, [1]),
        (9, 12, 1, [9]),
    ],
)
def test_balanced_chunks_keep_order_and_give_no_worker_a_small_last_chunk(points, per_graph, workers, sizes):
    chunks = grid.balanced_chunks(list(range(points)), per_graph, workers)
    assert [len(c) for c in chunks] == sizes
    assert [p for c in chunks for p in c] == list(range(points))


@pytest.mark.slow
def test_an_epoch_whose_task_is_cancelled_is_trained_again_from_the_state_it_started_from(
    small_mnist, tmp_path, monkeypatch, capsys
):
    points = [{"units": u} for u in (8, 16)]
    settings = {"epochs": 3, "seed": 3, "profile": "quick", "models_per_graph": 2}
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster:
        monkeypatch.setenv(grid_engine.CLUSTER_VARIABLE, cluster.scheduler_address)
        reference = grid.run_grid(_grid_job.build, points, small_mnist, cache_dir=tmp_path / "reference", **settings)
        with Client(cluster.scheduler_address, set_as_default=False) as observer:
            cancelled: list[str] = []

            def cancel_a_running_epoch() -> None:
                deadline = time.monotonic() + 120
                while not cancelled and time.monotonic() < deadline:
                    if list((tmp_path / "faulted").glob("in-flight/*/progress.json")):
                        for keys in observer.processing().values():
                            for key in keys:
                                observer.cancel([Future(key, observer)], force=True)
                                cancelled.append(key)
                    time.sleep(0.01)

            canceller = threading.Thread(target=cancel_a_running_epoch)
            canceller.start()
            faulted = grid.run_grid(_grid_job.build, points, small_mnist, cache_dir=tmp_path / "faulted", **settings)
            canceller.join()
    assert cancelled, "no epoch was caught running"
    assert "was lost (FutureCancelledError); training it again" in capsys.readouterr().out
    for here, there in zip(reference, faulted, strict=True):
        np.testing.assert_allclose(there.history["loss"], here.history["loss"], rtol=1e-6)
        assert there.test_accuracy == here.test_accuracy


class _EpochLogs(keras.callbacks.Callback):
    """Records what a training (or its replay) tells its callbacks."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, Any]] = []

    def on_train_begin(self, logs=None):
        self.events.append(("begin", None))

    def on_epoch_end(self, epoch, logs=None):
        self.events.append((epoch, round(float(logs["val_loss"]), 6)))

    def on_train_end(self, logs=None):
        self.events.append(("end", None))


def _compiled(seed: int) -> keras.Model:
    seed_everything(seed)
    return compile_classifier(_grid_job.build(units=16))


def test_a_single_training_is_kept_and_read_back_with_its_optimizer_state_and_its_epochs(small_mnist, tmp_path, capsys):
    settings = {"epochs": 2, "seed": 5, "profile": "quick", "cache_dir": tmp_path}
    trained, first = _compiled(5), _EpochLogs()
    history = grid.cached_fit(trained, small_mnist, callbacks=[first], **settings)
    assert "read back" not in capsys.readouterr().out and len(list(tmp_path.glob("fit-*.npz"))) == 1
    again, replayed = _compiled(5), _EpochLogs()
    assert grid.cached_fit(again, small_mnist, callbacks=[replayed], **settings) == history
    assert "read back" in capsys.readouterr().out
    assert replayed.events == first.events and first.events[0] == ("begin", None) and len(first.events) == 4
    for a, b in zip(again.get_weights(), trained.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(again.optimizer.variables, trained.optimizer.variables, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))  # Adam's moments and step count too
    other = _compiled(6)  # other initial weights: another training
    grid.cached_fit(other, small_mnist, **settings)
    assert len(list(tmp_path.glob("fit-*.npz"))) == 2
    grid.cached_fit(_compiled(5), small_mnist, **{**settings, "epochs": 3})  # more epochs: another training
    assert len(list(tmp_path.glob("fit-*.npz"))) == 3


def test_a_whole_training_is_extrapolated_from_its_first_epochs():
    assert grid.extrapolated_seconds([5.0, 2.0], epochs=10) == 5.0 + 9 * 2.0  # the first epoch also builds
    assert grid.extrapolated_seconds([3.0], epochs=1) == 3.0


@pytest.mark.slow
def test_trainings_record_their_time_and_untimed_cache_entries_get_an_estimate(small_mnist, tmp_path, monkeypatch):
    points = [{"units": 8}, {"units": 16}]
    first = _small_grid(small_mnist, tmp_path, points=points, epochs=3)
    entries = sorted(tmp_path.glob("*.json"))
    assert all(r.training_seconds > 0 for r in first)
    recorded = {
        json.loads(e.read_text())["point"]["units"]: json.loads(e.read_text())["training_seconds"] for e in entries
    }
    assert recorded == {r.point["units"]: round(r.training_seconds, 1) for r in first}
    for entry in entries:  # as an entry written before the cache kept training times
        record = json.loads(entry.read_text())
        del record["training_seconds"]
        entry.write_text(json.dumps(record))
    assert all(r.training_seconds is None for r in _small_grid(small_mnist, tmp_path, points=points, epochs=3))
    monkeypatch.setenv(grid.TIME_VARIABLE, "1")
    timed = _small_grid(small_mnist, tmp_path, points=points, epochs=3)
    assert all(r.from_cache and r.training_seconds > 0 for r in timed)
    assert [r.test_accuracy for r in timed] == [r.test_accuracy for r in first]  # the results are the cached ones
    for entry in entries:
        record = json.loads(entry.read_text())
        assert record["training_seconds"] > 0 and "first 2 epochs" in record["training_seconds_from"]
    assert not (tmp_path / "timing").exists()


def test_an_untimed_single_training_gets_an_estimate_and_keeps_its_result(small_mnist, tmp_path, monkeypatch):
    settings = {"epochs": 3, "seed": 5, "profile": "quick", "cache_dir": tmp_path}
    history = grid.cached_fit(_compiled(5), small_mnist, **settings)
    (entry,) = tmp_path.glob("fit-*.json")
    record = json.loads(entry.read_text())
    assert record["training_seconds"] > 0
    del record["training_seconds"]
    entry.write_text(json.dumps(record))
    monkeypatch.setenv(grid.TIME_VARIABLE, "1")
    again = _compiled(5)
    assert grid.cached_fit(again, small_mnist, **settings) == history
    assert json.loads(entry.read_text())["training_seconds"] > 0
    assert again.optimizer.iterations.numpy() > 0  # the cached state was read back, not the timing copy's
