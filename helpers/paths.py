"""Where the project keeps things: the one home of every project path and cache root.

Each cache root can be moved by an environment variable (a rebuild from nothing points them at empty
folders); the functions read it at call time, so a test or the build can set it before calling.

In a checkout, every path is under the repository (the folder that holds ``helpers/`` and ``notebooks/``).
Installed from the series bundle's wheel (``helpers/build/bundle.py``), the package lies in site-packages
with no ``notebooks/`` beside it: the project root is then the current folder when ``helpers`` is first
imported, the unpacked bundle where a learner runs the parts, so outputs go to its ``executed/interactive/``.
"""

from __future__ import annotations

import os
from pathlib import Path


def _project_root() -> Path:
    """The checkout this package lies in; outside one (an installed wheel), the current folder."""
    checkout = Path(__file__).resolve().parent.parent
    return checkout if (checkout / "notebooks").is_dir() else Path.cwd().resolve()


PROJECT_ROOT = _project_root()
NOTEBOOKS = PROJECT_ROOT / "notebooks"
#: Each profile's executed parts, results, saved models and charts: ``executed/<profile>/``.
EXECUTED = PROJECT_ROOT / "executed"
#: Where parts run by hand (JupyterLab, no papermill) write; git ignores it.
SCRATCH = EXECUTED / "interactive"
SITE = PROJECT_ROOT / "site"


def results_path(folder: Path, part: str) -> Path:
    """Where a part's results record lives inside an output folder: ``<folder>/results/<part>.json``."""
    return folder / "results" / f"{part}.json"


def maps_path(folder: Path, part: str) -> Path:
    """Where a part's 2-D maps of the test digits live, beside its results: ``<folder>/results/<part>.maps.npy``."""
    return folder / "results" / f"{part}.maps.npy"


def grid_cache() -> Path:
    """Where finished trainings are kept (``$MNIST_SERIES_CACHE`` overrides). The entries git tracks are the
    published trainings a fresh clone reads instead of training again; ``make clean-cache`` removes the others."""
    return Path(os.environ.get("MNIST_SERIES_CACHE", PROJECT_ROOT / ".cache" / "grid"))


def embedding_cache() -> Path:
    """Where 2-D embeddings are kept between runs (``$MNIST_SERIES_EMBEDDINGS`` overrides; disposable)."""
    return Path(os.environ.get("MNIST_SERIES_EMBEDDINGS", PROJECT_ROOT / ".cache" / "embeddings"))
