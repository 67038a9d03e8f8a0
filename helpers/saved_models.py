"""The two networks the series saves for later study, read back from their legacy ``.h5`` files.

Part 3 saves ``MNIST_dense128`` and part 7 ``MNIST_LeNet60`` under ``<output folder>/models/``, as
``.keras`` and as ``.h5`` (the format the original tutorial used). The parts of "Looking closer"
load the ``.h5`` files, as a reader of the original would.
"""

from __future__ import annotations

from pathlib import Path

import keras

from helpers.params import Run
from helpers.paths import EXECUTED

#: Each saved network and the part that trains and saves it.
SAVED_BY = {"MNIST_dense128": "03_dense_sized", "MNIST_LeNet60": "07_lenet_halved"}


class MissingModelError(FileNotFoundError):
    """A saved network is not there yet; the message names the part that saves it."""


def saved_model_path(run: Run, name: str) -> Path:
    """Where ``name.h5`` is for this run: its own folder, or for a run by hand the published profile's."""
    if name not in SAVED_BY:
        raise ValueError(f"unknown saved network {name!r}; the series saves {', '.join(SAVED_BY)}")
    folders = [run.output_dir]
    if run.profile == "interactive":
        folders.append(EXECUTED / run.published_profile)
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
