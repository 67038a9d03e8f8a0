"""The series bundle (helpers/build/bundle.py): reproducible, complete, and runnable outside the repository.

The slow test does what a reader of the site would: unpacks the bundle into an empty folder, makes a
fresh virtual environment, installs the bundle's wheel in it and runs part 1 from the unpacked folder.
The fresh environment has no network, so the pinned third-party packages (TensorFlow and the rest,
gigabytes) come from the project's own environment through a ``.pth`` file: it adds a folder of links to
every entry of the project environment's site-packages except this project's own install (its editable
finder and dist-info), so ``helpers`` can only come from the wheel. ``--system-site-packages`` would not
do: it exposes the base interpreter's packages, not those of the project's venv.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import nbformat
import pytest

from helpers.build import bundle
from helpers.build.profiles import part_names
from helpers.data import project_data_file
from helpers.paths import PROJECT_ROOT

PART = "01_dense_tutorial"
TINY = {"epochs": 1, "train_size": 600, "test_size": 200, "reruns": 2}
#: What marks this project's own install in a site-packages folder (left out of the fresh environment).
OWN_INSTALL = ("helpers", "__editable__", "cnn_vs_dense_series")
#: A first cell for the part: it says where ``helpers`` comes from, and stops the run before anything is
#: written when that is not the fresh environment (a checkout's ``helpers`` would write in the checkout).
WHERE_FROM = """import sys, helpers
print(helpers.__file__, sys.prefix)
assert helpers.__file__.startswith(sys.prefix + "/"), "helpers is not the wheel installed in this environment"
"""


def test_bundle_is_reproducible_and_holds_what_runs_the_parts(tmp_path):
    first, again = bundle.write_bundle(tmp_path / "a.zip"), bundle.write_bundle(tmp_path / "b.zip")
    assert first.read_bytes() == again.read_bytes()
    with zipfile.ZipFile(first) as archive:
        names = set(archive.namelist())
        assert {info.external_attr >> 16 for info in archive.infolist()} == {0o100644}
        wheel_name = next(name for name in names if name.endswith(".whl"))
        wheel = zipfile.ZipFile(archive.open(wheel_name))
    folder = bundle.FOLDER
    for part in part_names():
        assert {f"{folder}/{part}.ipynb", f"{folder}/{part}.py"} <= names
    assert {f"{folder}/README.md", f"{folder}/requirements.txt", f"{folder}/requirements-grid.txt"} <= names
    packaged = {name.split("/")[0] for name in wheel.namelist()}
    assert packaged == {"helpers", "cnn_vs_dense_series-0.1.0.dist-info"}
    assert "helpers/paths.py" in wheel.namelist() and not any("build" in name for name in wheel.namelist())


def test_installed_helpers_take_the_current_folder_as_project_root(tmp_path, monkeypatch):
    installed = tmp_path / "site-packages" / "helpers" / "paths.py"  # no notebooks/ beside the package
    installed.parent.mkdir(parents=True)
    shutil.copyfile(PROJECT_ROOT / "helpers" / "paths.py", installed)
    monkeypatch.chdir(tmp_path)
    spec = importlib.util.spec_from_file_location("installed_paths", installed)
    paths = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(paths)
    root, scratch, checkout = paths.PROJECT_ROOT, paths.SCRATCH, PROJECT_ROOT
    assert root == tmp_path.resolve() and scratch == root / "executed" / "interactive"
    assert checkout == Path(__file__).resolve().parent.parent  # in the checkout: the checkout, from any folder


def _files(root: Path) -> dict[str, tuple[int, int] | None]:
    """Every file under ``root`` (not under .git or caches of tools), with size and mtime where a part writes
    (``executed/``, ``.cache/``): what a run writing in the repository would change, and not a file edited
    meanwhile elsewhere."""
    found = {}
    for folder, folders, files in os.walk(root):
        folders[:] = [name for name in folders if name not in (".git", "__pycache__", ".ruff_cache")]
        for name in files:
            path = os.path.relpath(Path(folder, name), root)
            stat = Path(folder, name).lstat() if path.startswith(("executed", ".cache")) else None
            found[path] = stat and (stat.st_size, stat.st_mtime_ns)
    return found


def _fresh_environment(venv: Path) -> Path:
    """A new venv that sees the project environment's third-party packages, not its ``helpers``."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    site_packages = Path(
        subprocess.check_output(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], text=True
        ).strip()
    )
    view = venv / "project-packages"
    view.mkdir()
    for entry in Path(sysconfig.get_path("purelib")).iterdir():
        if not entry.name.startswith(OWN_INSTALL) and entry.suffix != ".pth":
            (view / entry.name).symlink_to(entry)
    (site_packages / "project-packages.pth").write_text(f"{view}\n")
    return python


@pytest.mark.slow
def test_bundle_runs_part_1_outside_the_repository(tmp_path):
    assert not tmp_path.resolve().is_relative_to(PROJECT_ROOT)
    before = _files(PROJECT_ROOT)
    with zipfile.ZipFile(bundle.write_bundle(tmp_path / "bundle.zip")) as archive:
        archive.extractall(tmp_path / "unpacked")
    unpacked = tmp_path / "unpacked" / bundle.FOLDER
    python = _fresh_environment(tmp_path / "venv")
    wheel = next(unpacked.glob("*.whl"))
    environment = {
        key: value for key, value in os.environ.items() if key != "PYTHONPATH" and not key.startswith("MNIST_SERIES")
    }
    environment |= {
        "MNIST_SERIES_DATA": str(project_data_file().resolve()),
        "KERAS_HOME": str(tmp_path / "keras"),  # no Keras cache: MNIST comes from $MNIST_SERIES_DATA
        "JUPYTER_DATA_DIR": str(tmp_path / "jupyter"),  # no kernel of the user's but the bundle's
    }

    def run(*arguments: str) -> None:
        done = subprocess.run(
            [str(python), *arguments], cwd=unpacked, env=environment, capture_output=True, text=True, timeout=900
        )
        assert done.returncode == 0, f"{' '.join(arguments)} failed:\n{done.stdout}\n{done.stderr}"

    run("-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel))
    run("-m", "ipykernel", "install", "--sys-prefix", "--name", "cnn-vs-dense")
    checked = tmp_path / f"{PART}-checked.ipynb"  # the bundle's part after a first cell: where helpers comes from
    notebook = nbformat.read(unpacked / f"{PART}.ipynb", as_version=4)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(WHERE_FROM))
    nbformat.write(notebook, checked)
    parameters = [argument for name, value in TINY.items() for argument in ("-p", name, str(value))]
    run("-m", "papermill", str(checked), str(tmp_path / f"{PART}.ipynb"), *parameters, "--cwd", str(unpacked))

    executed = nbformat.read(tmp_path / f"{PART}.ipynb", as_version=4)
    helpers_file, prefix = executed.cells[0].outputs[0]["text"].split()
    print(f"part 1 ran on {prefix}'s Python with helpers from {helpers_file}")
    assert Path(helpers_file).is_relative_to(tmp_path / "venv") and Path(prefix) == tmp_path / "venv"
    results = unpacked / "executed" / "interactive" / "results" / f"{PART}.json"
    assert results.is_file(), "part 1 did not write its results under the unpacked bundle"
    record = json.loads(results.read_text())
    assert record["profile"] == "interactive" and {k: record["parameters"][k] for k in TINY} == TINY
    written = sorted(str(path.relative_to(unpacked)) for path in unpacked.rglob("*") if path.is_file())
    print(f"written in the unpacked bundle: {[name for name in written if name.startswith(('executed', '.cache'))]}")
    print(f"test accuracy after {TINY['epochs']} epoch: {next(iter(record['models'].values()))['test_accuracy']:.2%}")
    assert before == _files(PROJECT_ROOT), "running the bundle's part wrote in the repository"
