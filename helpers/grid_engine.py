"""Where a grid's networks train: a Dask cluster, on this machine by default, anywhere through ``GRID_CLUSTER``.

The grid runner (``helpers.grid``) hands this module *chunks*: a few grid points whose models train
side by side in one Keras graph (``helpers.side_by_side``). A chunk trains as a chain of one-epoch
Dask tasks. Each task receives the chunk's whole state (every weight, the dropout layers' random
state and Adam's moments; the first task, the initial weights the driver drew) and returns it one
epoch later; the driver writes it to the chunk's in-flight checkpoint and submits the next epoch.
From that design:

* **Nothing shared but the network.** Data, states and results travel through Dask; the cache on
  the driver stays the one source of truth, and a worker needs no access to its disk.
* **Faults cost one epoch at most.** A task carries its starting state, so Dask reruns a task whose
  worker died on another worker, from the same state; where Dask gives a task up instead (its
  future cancelled, or its workers killed too often), the driver, which kept that state, submits it
  again. A driver that dies takes its local workers with it (Dask ties them to their parent,
  ``kill -9`` included); rerun, it resumes every chunk from its last checkpoint.
* **Reproducible wherever it runs.** The first epoch starts from the initial weights the driver
  drew (and the dropout layers' seeds): a worker's own draws would depend on whatever else drew
  from Python's random module in its process meanwhile, and Dask's event loop does (``sizeof``
  samples long lists). Every epoch draws its batch order from a seed derived from the grid's seed
  and the epoch number, and a worker process trains one task at a time (the random seeds are
  global to a process), so a chunk that is resumed, retried or moved to another worker trains
  exactly as an uninterrupted one, up to the order of float sums, which depends on the CPU and on
  TensorFlow's thread count.
* **Cheap epochs.** A worker keeps the compiled model of the chunks it trains between epochs, and
  the driver asks for the same worker again, so building and tracing are paid once per chunk.

With ``GRID_CLUSTER`` unset, a ``LocalCluster`` lives as long as one grid: ``workers`` processes
with one task each and an equal share of the CPU threads, or, for ``workers=1``, a thread of the
calling process (no copy of the data, nothing to start).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dask
import keras
import numpy as np
from distributed import Client, LocalCluster, as_completed, get_worker
from distributed.scheduler import KilledWorker

from helpers.files import UNREADABLE, atomic_write, set_aside, write_json_atomically
from helpers.params import VALIDATION_SPLIT
from helpers.side_by_side import build_side_by_side, penalty, split_history
from helpers.training import (
    BATCH_SIZE,
    Mnist,
    compile_classifier,
    evaluate,
    seed_everything,
)

if TYPE_CHECKING:
    from tqdm import tqdm

#: The environment variable naming a running Dask scheduler, e.g. ``tcp://10.0.0.5:8786``.
CLUSTER_VARIABLE = "GRID_CLUSTER"
#: How often one epoch of a chunk is trained again after its task was lost, before the grid gives up.
RESUBMISSIONS = 3
#: How long to wait for that scheduler before saying it is not there.
CONNECT_TIMEOUT = "30s"

#: The cache's subfolder for damaged entries and checkpoints, set aside rather than deleted.
CORRUPT = "corrupt"
#: The key under which a chunk's history keeps each epoch task's wall-clock seconds beside Keras's logs, one
#: value per epoch, checkpoints included, so a resumed training counts them all.
SECONDS = "seconds"


@dataclass(frozen=True)
class Chunk:
    """Grid points trained side by side: the builder, the points, their cache keys and the schedule."""

    build: Callable[..., keras.Model]
    points: tuple[dict[str, Any], ...]
    keys: tuple[str, ...]
    seed: int
    epochs: int

    @property
    def name(self) -> str:
        """The chunk's in-flight checkpoint folder: a digest of its points' cache keys."""
        return hashlib.sha256("+".join(self.keys).encode()).hexdigest()[:24]


@dataclass
class InitialWeights:
    """Where a chunk's first epoch starts: every model's variables as the driver built them.

    The variables include the random state of Keras's random layers (dropout, random translation),
    so for builders that keep their randomness in such layers, the driver's draw fixes everything a
    training depends on but the batch order.
    """

    variables: list[list[np.ndarray]]

    @classmethod
    def of(cls, models: Sequence[keras.Model]) -> InitialWeights:
        """The variables of freshly built ``models``, copied to NumPy."""
        for model in models:
            if not model.built or not model.variables:
                raise ValueError(
                    f"{model.name} has no weights yet: a grid's builder must return a built model "
                    "(start it with keras.Input(shape))"
                )
        return cls([[keras.ops.convert_to_numpy(v) for v in model.variables] for model in models])


@dataclass
class Evaluation:
    """One model of a chunk after its last epoch, measured on the worker."""

    test_loss: float
    test_accuracy: float
    params: int
    weights: list[np.ndarray]
    penalty: float


@dataclass
class EpochOutcome:
    """What one epoch task sends back: Keras's logs, the chunk's state (or, after the last epoch, its
    evaluations), and the task's wall-clock seconds (building, training, evaluating)."""

    logs: dict[str, float]
    worker: str
    state: list[np.ndarray] | None
    evaluations: list[Evaluation] | None
    seconds: float


@dataclass
class TrainedModel:
    """One trained grid point as the driver stores it.

    ``epoch_seconds`` is its share of each epoch's wall-clock seconds on the worker: the chunk's, divided
    by the networks that trained side by side in it.
    """

    history: dict[str, list[float]]
    evaluation: Evaluation
    epoch_seconds: list[float]


# ----------------------------------------------------------------------------- the cluster


@contextmanager
def grid_client(workers: int, scratch: Path) -> Iterator[Client]:
    """A Dask client: for the cluster at ``$GRID_CLUSTER`` if set, else for a local cluster of ``workers``.

    ``scratch`` holds the local cluster's Dask folders (lock files; nothing is spilled to disk), so
    that nothing is left in the system's temporary folder; the next run clears what a killed one left.
    """
    address = os.environ.get(CLUSTER_VARIABLE, "").strip()
    if address:
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except OSError as error:
            raise ConnectionError(
                f"{CLUSTER_VARIABLE}={address}: no Dask scheduler answered within {CONNECT_TIMEOUT} ({error}). "
                f"Start one there with `dask scheduler` and its workers with `dask worker {address}`, "
                f"or unset {CLUSTER_VARIABLE} to train on this machine."
            ) from None
        with client:
            yield client
        return
    with (
        dask.config.set({"temporary-directory": str(scratch)}),  # the scheduler's folder and the workers'
        _local_cluster(workers) as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        yield client


#: Where a local cluster's servers listen: this machine only. A cluster that other machines may reach is
#: started by hand (``dask scheduler``) and named in ``GRID_CLUSTER``.
LOOPBACK = "127.0.0.1"


def _local_cluster(workers: int) -> LocalCluster:
    """A cluster for one grid whose every server (scheduler, dashboards, workers) listens on ``LOOPBACK``."""
    settings = {
        "n_workers": workers,
        "threads_per_worker": 1,
        "dashboard_address": f"{LOOPBACK}:0",  # a free port: None still binds the default 8787
        "worker_dashboard_address": f"{LOOPBACK}:0",  # the workers' HTTP servers (/health, /metrics)
        "memory_limit": 0,  # no spilling to disk: a grid holds a few small models and one copy of MNIST
        "silence_logs": logging.ERROR,
    }
    if workers == 1:
        return LocalCluster(processes=False, **settings)  # the scheduler talks to it in-process (inproc://)
    threads = str(max(1, (os.cpu_count() or 1) // workers))
    worker_environment = {
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),  # whatever the builder's module needs
        "TF_NUM_INTRAOP_THREADS": threads,
        "TF_NUM_INTEROP_THREADS": threads,
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    return LocalCluster(processes=True, host=LOOPBACK, env=worker_environment, **settings)


# ----------------------------------------------------------------------------- on a worker

#: The chunks this process has built, newest last: a chain's next epoch finds its compiled model here.
_BUILT: dict[str, tuple[keras.Model, list[keras.Model]]] = {}
_BUILT_KEPT = 4
#: Held by the task that is training: the seeds an epoch sets are global to its process, so a worker
#: with several threads still trains one task at a time.
_TRAINING = threading.Lock()


def train_epoch(chunk: Chunk, epoch: int, state: list[np.ndarray] | InitialWeights, data: Mnist) -> EpochOutcome:
    """A Dask task: train ``chunk`` for epoch ``epoch`` (0-based) from ``state``.

    ``state`` is the chunk's state after ``epoch`` epochs, or, before the first, its initial weights.
    """
    with _TRAINING:
        return _train_epoch(chunk, epoch, state, data)


def _train_epoch(chunk: Chunk, epoch: int, state: list[np.ndarray] | InitialWeights, data: Mnist) -> EpochOutcome:
    started = time.perf_counter()
    if isinstance(state, InitialWeights):
        group, models = _side_by_side(chunk, data.x_train.shape[1:], state)
    else:
        group, models = _side_by_side(chunk, data.x_train.shape[1:], None)
        _restore(group, state)
    seed_everything(epoch_seed(chunk.seed, epoch))
    fitted = group.fit(
        data.x_train,
        {f"m{k}": data.y_train for k in range(len(models))},
        initial_epoch=epoch,
        epochs=epoch + 1,
        batch_size=BATCH_SIZE,
        validation_split=VALIDATION_SPLIT,
        verbose=0,
    )
    logs = {name: float(values[-1]) for name, values in fitted.history.items()}
    worker = get_worker().address
    if epoch + 1 < chunk.epochs:
        state_after = _state(group)
        return EpochOutcome(logs, worker, state_after, None, time.perf_counter() - started)
    _BUILT.pop(chunk.name, None)
    evaluations = [_evaluate(model, data) for model in models]
    return EpochOutcome(logs, worker, None, evaluations, time.perf_counter() - started)


def epoch_seed(seed: int, epoch: int) -> int:
    """The seed of one epoch's batch order: derived from the grid's seed and the epoch, nothing else."""
    return int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0])


def _side_by_side(
    chunk: Chunk, input_shape: tuple[int, ...], initial: InitialWeights | None
) -> tuple[keras.Model, list[keras.Model]]:
    """The chunk's compiled side-by-side model: a new one with the ``initial`` weights if given, else the
    one this process already built (or a new one, whose variables the caller then restores)."""
    if initial is None and chunk.name in _BUILT:
        return _BUILT[chunk.name]
    models = [chunk.build(**point) for point in chunk.points]
    if initial is not None:
        for model, values in zip(models, initial.variables, strict=True):
            _assign(model.variables, values)
    _BUILT[chunk.name] = (build_side_by_side(models, input_shape), models)
    while len(_BUILT) > _BUILT_KEPT:
        _BUILT.pop(next(iter(_BUILT)))
    return _BUILT[chunk.name]


def _variables(group: keras.Model) -> list[Any]:
    """Everything training changes: weights, the dropout layers' random state, then Adam's state."""
    return [*group.variables, *group.optimizer.variables]


def _state(group: keras.Model) -> list[np.ndarray]:
    return [keras.ops.convert_to_numpy(variable) for variable in _variables(group)]


def _restore(group: keras.Model, state: Sequence[np.ndarray]) -> None:
    if not group.optimizer.built:
        group.optimizer.build(group.trainable_variables)
    _assign(_variables(group), state)


def _assign(variables: Sequence[keras.Variable], values: Sequence[np.ndarray]) -> None:
    if len(variables) != len(values):
        raise ValueError(f"a state of {len(values)} arrays does not fit a model of {len(variables)} variables")
    for variable, value in zip(variables, values, strict=True):
        variable.assign(value)


def _evaluate(model: keras.Model, data: Mnist) -> Evaluation:
    compile_classifier(model)
    test_loss, test_accuracy = evaluate(model, data)
    return Evaluation(test_loss, test_accuracy, model.count_params(), model.get_weights(), penalty(model))


# ----------------------------------------------------------------------------- on the driver


def train_chunks(
    client: Client,
    chunks: Sequence[Chunk],
    initial: Sequence[InitialWeights],
    data: Mnist,
    checkpoints: Path,
    bar: tqdm,
) -> Iterator[tuple[int, list[TrainedModel]]]:
    """Train ``chunks`` from their ``initial`` weights on ``client``'s cluster; yield each chunk's position
    and trained models as it finishes.

    As many chunks train at once as the cluster has threads, each to the end before the next starts,
    so an interruption leaves finished points in the cache rather than every chunk half-trained.
    After every epoch the chunk's state goes to ``checkpoints/<chunk name>/``, which a later call
    resumes from (the consumer stores the yielded models before the checkpoint is removed).
    ``bar`` counts model-epochs, resumed ones included.
    """
    shared = client.scatter(data, broadcast=True, hash=False)
    waiting = deque(range(len(chunks)))
    in_flight: dict[Any, tuple[int, int, dict[str, list[float]], list[np.ndarray] | InitialWeights]] = {}
    losses: Counter[tuple[int, int]] = Counter()
    finished = as_completed(loop=client.loop)

    def submit(
        position: int, epoch: int, state: list[np.ndarray] | InitialWeights, history: dict, worker: str | None
    ) -> None:
        # The state rides inside the task, so a task whose worker died can start over anywhere;
        # a chunk's state (a few MB; tens for part 3's widest networks) is not the oversized graph
        # that Dask's warning is about.
        with dask.config.set({"distributed.admin.large-graph-warning-threshold": "1GB"}):
            future = client.submit(
                train_epoch,
                chunks[position],
                epoch,
                state,
                shared,
                pure=False,
                workers=[worker] if worker else None,
                allow_other_workers=bool(worker),
            )
        in_flight[future] = (position, epoch, history, state)
        finished.add(future)

    def start_next() -> None:
        position = waiting.popleft()
        chunk = chunks[position]
        done, state, history = read_checkpoint(checkpoints / chunk.name)
        if done:
            bar.write(f"{chunk.name}: resuming {len(chunk.points)} models after epoch {done} of {chunk.epochs}")
            bar.update(len(chunk.points) * done)
        submit(position, done, initial[position] if state is None else state, history, None)

    for _ in range(min(len(waiting), max(1, sum(client.nthreads().values())))):
        start_next()
    for future in finished:
        position, epoch, history, state = in_flight.pop(future)
        chunk = chunks[position]
        try:
            outcome: EpochOutcome = future.result()
        except (CancelledError, KilledWorker) as error:
            # The task went down with its worker, or Dask gave it up: train the epoch again from the
            # state it started from, which the driver kept. A scattered copy of the data lost with the
            # workers that held it is scattered again.
            losses[position, epoch] += 1
            if losses[position, epoch] > RESUBMISSIONS:
                raise RuntimeError(f"{chunk.name}: epoch {epoch + 1} was lost {RESUBMISSIONS + 1} times") from error
            bar.write(f"{chunk.name}: epoch {epoch + 1} was lost ({type(error).__name__}); training it again")
            if shared.status != "finished":
                shared = client.scatter(data, broadcast=True, hash=False)
            submit(position, epoch, state, history, None)
            continue
        future.release()
        for name, value in outcome.logs.items():
            history.setdefault(name, []).append(value)
        history.setdefault(SECONDS, []).append(outcome.seconds)
        bar.update(len(chunk.points))
        if outcome.evaluations is None:
            write_checkpoint(checkpoints / chunk.name, epoch + 1, outcome.state, history)
            submit(position, epoch + 1, outcome.state, history, outcome.worker)
            continue
        penalties = [evaluation.penalty for evaluation in outcome.evaluations]
        histories = split_history(history, len(chunk.points), penalties)
        share = [seconds / len(chunk.points) for seconds in history.get(SECONDS, [])]
        yield position, [TrainedModel(h, e, share) for h, e in zip(histories, outcome.evaluations, strict=True)]
        shutil.rmtree(checkpoints / chunk.name, ignore_errors=True)
        if waiting:
            start_next()


def write_checkpoint(folder: Path, epochs: int, state: Sequence[np.ndarray], history: dict[str, list[float]]) -> None:
    """Save a chunk's state after ``epochs`` epochs: a new state file first, then the record naming it.

    The record is replaced atomically and only then the previous state file removed, so a kill at any
    moment leaves a consistent pair on disk.
    """
    name = f"epoch-{epochs}.npz"
    with atomic_write(folder / name) as tmp:
        np.savez(tmp, **{f"s{i}": array for i, array in enumerate(state)})
    write_json_atomically({"epochs": epochs, "state": name, "history": history}, folder / "progress.json")
    for old in folder.glob("epoch-*.npz"):
        if old.name != name:
            old.unlink()


def read_checkpoint(folder: Path) -> tuple[int, list[np.ndarray] | None, dict[str, list[float]]]:
    """``(epochs done, state, history so far)`` from a chunk's checkpoint; ``(0, None, {})`` without one.

    A damaged checkpoint is moved to the cache's ``corrupt/`` folder, with one line, and the chunk
    starts again from its first epoch.
    """
    record = folder / "progress.json"
    if not record.is_file():
        return 0, None, {}
    try:
        progress = json.loads(record.read_text())
        with np.load(folder / progress["state"], allow_pickle=False) as stored:
            state = [stored[f"s{i}"] for i in range(len(stored.files))]
        return progress["epochs"], state, progress["history"]
    except UNREADABLE as error:
        moved = set_aside([folder], folder.parent.parent / CORRUPT)
        print(
            f"grid cache: the checkpoint {folder} is damaged ({type(error).__name__}: {error}); moved to {moved}/, "
            "and these networks train again from their first epoch"
        )
        return 0, None, {}
