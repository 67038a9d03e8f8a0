"""Saving the series' networks (``.keras`` and the legacy ``.h5``) and reading the two saved ones back.

Part 3 saves ``MNIST_dense128`` and part 7 ``MNIST_LeNet60`` under ``<output folder>/models/``, as
``.keras`` and as ``.h5`` (the format the original tutorial used). The parts of "Looking closer"
load the ``.h5`` files, as a reader of the original would.
"""

from __future__ import annotations

import os
from pathlib import Path

import keras
from absl import logging as absl_logging

from helpers.params import Run

#: Each saved network and the part that trains and saves it.
SAVED_BY = {"MNIST_dense128": "03_dense_sized", "MNIST_LeNet60": "07_lenet_halved"}


class MissingModelError(FileNotFoundError):
    """A saved network is not there yet; the message names the part that saves it."""


def saved_model_path(run: Run, name: str) -> Path:
    """Where ``name.h5`` is for this run: its own folder, or the published profile's (``Run.folders_to_read``)."""
    if name not in SAVED_BY:
        raise ValueError(f"unknown saved network {name!r}; the series saves {', '.join(SAVED_BY)}")
    folders = run.folders_to_read()
    for folder in folders:
        path = folder / "models" / f"{name}.h5"
        if path.is_file():
            return path
    raise MissingModelError(
        f"{folders[-1] / 'models' / f'{name}.h5'} is missing: run part {SAVED_BY[name]} first, which trains and "
        f"saves it (`make notebooks` runs the parts in order)."
    )


def load_saved_model(run: Run, name: str) -> keras.Model:
    """Load ``name`` (``MNIST_dense128`` or ``MNIST_LeNet60``) from its ``.h5`` file, ready to evaluate."""
    return keras.models.load_model(saved_model_path(run, name))


def save_model_files(model: keras.Model, models_dir: Path | str, name: str) -> list[str]:
    """Save ``name.keras`` (native) and ``name.h5`` (legacy, as the reference) without clobbering.

    Each file is written under a temporary name and renamed into place, so an interrupted save never
    replaces the last good model. Returns the written paths.
    """
    Path(models_dir).mkdir(parents=True, exist_ok=True)
    written = []
    for suffix in (".keras", ".h5"):
        final = Path(models_dir) / f"{name}{suffix}"
        partial = final.with_name(f".{name}.partial{suffix}")  # Keras insists on the suffix
        level = absl_logging.get_verbosity()
        if (
            suffix == ".h5"
        ):  # Keras logs that HDF5 is a legacy format: writing it for the original's readers is the point
            absl_logging.set_verbosity(absl_logging.ERROR)
        try:
            model.save(partial)
            os.replace(partial, final)
        finally:
            absl_logging.set_verbosity(level)
            partial.unlink(missing_ok=True)
        written.append(str(final))
    return written
