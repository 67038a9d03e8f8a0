"""Each part's recorded results: JSON written atomically, with the environment that produced it.

Layout of ``executed/<profile>/results/<NN>_<name>.json``::

    {"part": "01_dense_tutorial", "profile": "quick",   # or "interactive": run by hand
     "parameters": {...},          # every parameter the run was given
     "models": {"<model name>": {"params": int, "test_accuracy": float, "test_loss": float,
                                 "epochs": int, "regularization": str, ...}},
     "selected": {...},            # grid parts only
     "page": {"chapter": str, "summary": str, "from_cache": int},   # what the site says about the part
     "wall_seconds": float,
     "environment": {"hardware": ..., "python": ..., "tensorflow": ..., "keras": ...},
     "build": {"digest": ..., "inputs": {...}}}   # added by the build (helpers/build/digest.py)

Later parts read earlier ones only through these files.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from helpers.files import write_json_atomically
from helpers.params import Run
from helpers.paths import PROJECT_ROOT, results_path

PACKAGES = ("tensorflow-cpu", "jax", "keras", "numpy", "scikit-learn", "matplotlib", "tensorview")


class MissingResultsError(FileNotFoundError):
    """An earlier part's results are not there yet; the message names the part to run."""


def environment() -> dict[str, Any]:
    """Hardware and library versions, recorded beside every result."""
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return {
        "hardware": f"{platform.machine()}, {os.cpu_count()} CPU cores, {_cpu_model()}",
        "backend": _backend(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "packages": versions,
        "finished_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _backend() -> str:
    """The Keras backend and the device it computes on, e.g. ``tensorflow on CPU``."""
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return f"jax {jax.__version__} on {', '.join(sorted({d.device_kind for d in jax.devices()}))}"
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        return f"tensorflow {tf.__version__} on {'GPU' if gpus else 'CPU'}"
    return backend


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def model_record(
    *, params: int, test_accuracy: float, test_loss: float, epochs: int, regularization: str, **extra: Any
) -> dict[str, Any]:
    """One model's entry, checked: accuracy in [0, 1], positive epochs and parameter count."""
    if not 0.0 <= test_accuracy <= 1.0:
        raise ValueError(f"test_accuracy must lie in [0, 1], got {test_accuracy}")
    if epochs <= 0 or params <= 0:
        raise ValueError(f"epochs and params must be positive, got {epochs} and {params}")
    return {
        "params": int(params),
        "test_accuracy": float(test_accuracy),
        "test_loss": float(test_loss),
        "epochs": int(epochs),
        "regularization": regularization,
        **extra,
    }


def save_results(
    run: Run,
    *,
    models: dict[str, dict[str, Any]],
    selected: dict[str, Any] | None = None,
    **extra: Any,
) -> None:
    """Record a run's results (its parameters, models, any ``extra`` entries) and say where they went."""
    record: dict[str, Any] = {"part": run.part, "profile": run.profile, "parameters": run.parameters, "models": models}
    if selected is not None:
        record["selected"] = selected
    record.update(extra)
    record["page"] = run.page()
    record["wall_seconds"] = round(run.elapsed(), 1)
    record["environment"] = environment()
    path = results_path(run.output_dir, run.part)
    write_json_atomically(record, path)
    where = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
    print(f"results recorded in {where}; this part took {record['wall_seconds']:.0f} s")


def load_results(run: Run, part: str) -> dict[str, Any]:
    """Read an earlier part's results, or say clearly which part must run first.

    A run outside the published folder of its profile (by hand, or a build with overrides) reads its
    own earlier runs first, then the published results of its profile.
    """
    folders = run.folders_to_read()
    for folder in folders:
        path = results_path(folder, part)
        if path.is_file():
            try:
                record = json.loads(path.read_text())
            except ValueError:
                record = None
            if not isinstance(record, dict):
                raise MissingResultsError(
                    f"{path} is not a results record (cut short or edited?): restore it with `git checkout -- "
                    f"{path}` if it is published, or run part {part} again"
                )
            return record
    raise MissingResultsError(
        f"{results_path(folders[-1], part)} is missing: run part {part} first "
        f"(`make notebooks` runs the parts in order)."
    )
