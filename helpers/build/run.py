"""Build a profile: ``python -m helpers.build.run --profile quick`` runs every stale part, in order.

``python -m helpers.build.run NN_name --profile quick [-p NAME VALUE ...]`` runs one part whether or
not it is stale. A part is stale when the inputs recorded in its results differ from the current
ones (``helpers/build/digest.py``); an up-to-date part whose prose (markdown cells, comments, cell
tags) changed gets it copied into its executed notebook, without training.

Each part's ``.py`` is read with jupytext, given the project kernel and run by papermill with its
profile parameters (``notebooks/profiles.yaml``). The output goes to ``executed/<profile>/NN_name.ipynb``
only when the run succeeds: papermill writes ``NN_name.partial.ipynb`` as it goes, a success renames it
into place, and a failure renames it to ``NN_name.failed.ipynb`` (the error cell visible) and leaves
the last good output untouched: the files a part writes as it runs (its results, its chart pages and
saved models, ``OUTPUT_FOLDERS``) are put back as they were. What the kernel prints outside the cells
(TensorFlow's start-up messages) goes to ``executed/<profile>/logs/NN_name.log``.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, TextIO

import nbformat
import yaml

from helpers.build.digest import UnreadableResultsError, combined, normalized_code, part_inputs, status
from helpers.build.lock import build_lock
from helpers.build.profiles import check_part, check_profile, part_names, part_parameters, read_notebook
from helpers.build.stable import RUN_FIELDS, same_notebook, steady
from helpers.claims import unsupported
from helpers.files import atomic_write, write_json_atomically
from helpers.params import BUILD_PROFILE_VARIABLE, ParameterError
from helpers.paths import EXECUTED, PROJECT_ROOT, results_path

KERNEL_NAME = "cnn-vs-dense"
#: Folders of ``executed/<profile>/`` that a part writes into while it runs.
OUTPUT_FOLDERS = ("results", "charts", "models")
#: Environment of the project kernel. oneDNN's CPU kernels are off by default on this AMD CPU and
#: measured ~1.85x faster on LeNet here (they change float rounding only); TF's C++ start-up log is noise.
KERNEL_ENV = {"TF_ENABLE_ONEDNN_OPTS": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
#: TensorFlow's C++ code writes to the process's stderr (with timestamps) whatever the log level: keep
#: that in the kernel's own log instead of the notebook's cells.
KERNEL_ARGS = ["--IPKernelApp.capture_fd_output=False"]
INJECTED = "injected-parameters"
#: The caches a rebuild from nothing empties: environment variable -> its folder in the build's scratch folder.
EMPTY_CACHES = {"MNIST_SERIES_CACHE": "grid", "MNIST_SERIES_EMBEDDINGS": "embeddings"}
#: Lines a part prints that the person watching the build needs as they happen, not only in the notebook: the
#: grid engine resuming a chunk from its checkpoint, and a damaged cache entry set aside to train again.
CONSOLE_NOTICE = re.compile(r"\bresuming \d+ models? after epoch\b|\bdamaged\b.*\btrain")


def with_kernel(notebook: Any) -> Any:
    """Give a notebook read from its ``.py`` the project kernel, so papermill never guesses one."""
    notebook = copy.deepcopy(notebook)
    notebook.metadata["kernelspec"] = {
        "name": KERNEL_NAME,
        "display_name": "Python (cnn-vs-dense)",
        "language": "python",
    }
    notebook.metadata.setdefault("language_info", {"name": "python"})
    return notebook


class ConsoleNotices:
    """A file for papermill's ``stdout_file``/``stderr_file``: of what the cells print, it passes on only the
    lines that match ``CONSOLE_NOTICE``, each after ``prefix``, to ``console``."""

    def __init__(self, console: TextIO, prefix: str) -> None:
        self.console, self.prefix = console, prefix

    def write(self, text: str) -> None:
        for line in text.replace("\r", "\n").splitlines():
            if CONSOLE_NOTICE.search(line):
                self.console.write(f"{self.prefix}{line.strip()}\n")

    def flush(self) -> None:
        self.console.flush()


@contextmanager
def kernel_output_to(log: Path) -> Iterator[TextIO]:
    """Send this process's stdout and stderr, and so the kernel's, to ``log`` for the block; yield the
    console (the stderr the block started with) for the few lines that belong there."""
    log.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log, "w") as handle, os.fdopen(os.dup(saved[1]), "w", buffering=1) as console:
        os.dup2(handle.fileno(), 1)
        os.dup2(handle.fileno(), 2)
        try:
            yield console
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def output_folder(profile: str, overrides: dict[str, Any] | None = None, from_nothing: bool = False) -> Path:
    """Where a build writes: ``executed/<profile>/``; with ``-p`` overrides, which make the run something
    other than the profile, ``executed/<profile>-overrides/``; rebuilt from nothing,
    ``executed/<profile>-from-nothing/`` (git ignores both; the published profile stays as it was)."""
    return EXECUTED / (f"{profile}-overrides" if overrides else f"{profile}-from-nothing" if from_nothing else profile)


def execute_part(part: str, profile: str, overrides: dict[str, Any] | None = None, from_nothing: bool = False) -> Path:
    """Run ``notebooks/<part>.py`` into ``output_folder(profile, overrides, from_nothing)``; see the module
    docstring."""
    import papermill

    out_dir = output_folder(profile, overrides, from_nothing)
    out_dir.mkdir(parents=True, exist_ok=True)
    final, partial, failed = (out_dir / f"{part}{suffix}" for suffix in (".ipynb", ".partial.ipynb", ".failed.ipynb"))
    results = results_path(out_dir, part)
    parameters = part_parameters(part, profile, overrides)
    inputs = part_inputs(part, profile, overrides)
    last_good = _snapshot(out_dir)
    os.environ[BUILD_PROFILE_VARIABLE] = profile  # the kernel inherits it: this run may write executed/<profile>
    log = out_dir / "logs" / f"{part}.log"
    try:
        with kernel_output_to(log) as console:
            notices = ConsoleNotices(console, f"{part} ({profile}): ")
            papermill.execute_notebook(
                with_kernel(read_notebook(part)),
                str(partial),
                parameters=parameters,
                kernel_name=KERNEL_NAME,
                cwd=str(out_dir),
                progress_bar=False,
                log_output=False,
                stdout_file=notices,
                stderr_file=notices,
            )
        if not results.is_file() or results.read_bytes() == last_good.get(results):
            raise RuntimeError(f"{part} finished without recording its results in {results}")
        failing = unsupported(json.loads(results.read_text())) if profile == "full" and not overrides else []
        if failing:
            raise UnsupportedClaimError(
                f"its run no longer supports the claim{'s' if len(failing) > 1 else ''} {', '.join(failing)} "
                "(helpers/claims.py): rewrite the sentence or its check"
            )
    except BaseException as error:
        _roll_back(out_dir, last_good)
        if partial.exists():
            os.replace(partial, failed)
        raise PartFailedError(part, profile, error, failed, log) from error
    finally:
        os.environ.pop(BUILD_PROFILE_VARIABLE, None)
    record_inputs(results, inputs)
    steady(_output_files(out_dir), last_good)
    notebook = nbformat.writes(tidy(nbformat.read(partial, as_version=4))) + "\n"
    if not (final.is_file() and same_notebook(notebook, final.read_text())):
        with atomic_write(final, "w") as tmp:
            tmp.write(notebook)
    partial.unlink()
    failed.unlink(missing_ok=True)
    return final


class UnsupportedClaimError(RuntimeError):
    """A published run whose results no longer support a sentence of its page."""


class PartFailedError(Exception):
    """A part stopped: one line saying why, and where the error cell and the kernel's log are."""

    def __init__(self, part: str, profile: str, error: BaseException, failed: Path, log: Path) -> None:
        name, detail = getattr(error, "ename", type(error).__name__), getattr(error, "evalue", str(error))
        if name == "ParameterError":
            message = f"{part} ({profile}): ParameterError: {detail} (nothing was trained or overwritten)"
        else:
            message = (
                f"{part} ({profile}) FAILED: {name}: {detail}; the last good output is kept, the error cell is "
                f"in {_shown(failed)} and the kernel's log in {_shown(log)}"
            )
        super().__init__(message)
        self.original = error


def _shown(path: Path) -> str:
    """A path as the reader typed it: relative to the checkout when inside it."""
    return str(path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path)


def _output_files(out_dir: Path) -> list[Path]:
    return [path for folder in OUTPUT_FOLDERS for path in (out_dir / folder).glob("*") if path.is_file()]


def _snapshot(out_dir: Path) -> dict[Path, bytes]:
    """The files of ``OUTPUT_FOLDERS`` and their contents (a few MB: results, chart pages, saved models)."""
    return {path: path.read_bytes() for path in _output_files(out_dir)}


def _roll_back(out_dir: Path, snapshot: dict[Path, bytes]) -> None:
    """Put ``OUTPUT_FOLDERS`` back as they were before a failed run: new files go, changed ones return."""
    for path in _output_files(out_dir):
        if path not in snapshot:
            path.unlink()
    for path, content in snapshot.items():
        if not path.is_file() or path.read_bytes() != content:
            with atomic_write(path) as tmp:
                tmp.write(content)


def record_inputs(results: Path, inputs: dict[str, str]) -> None:
    """Add the inputs the run was built from to its results file (``"build"``)."""
    record = json.loads(results.read_text())
    record["build"] = {"digest": combined(inputs), "inputs": inputs}
    write_json_atomically(record, results)


#: Cell metadata that only says how a cell is shown: ``jupyter`` (collapsed in Lab), ``caption`` (the site's figures).
SOURCE_DISPLAY_METADATA = ("jupyter", "caption")


def with_current_prose(source: Any, executed: Any) -> Any | None:
    """``executed`` with ``source``'s markdown, code text, cell tags and display metadata, every output kept.

    Only when the code cells are the same code (``normalized_code``); otherwise ``None``.
    """
    ran = [c for c in executed.cells if c.cell_type == "code" and INJECTED not in c.metadata.get("tags", [])]
    code = [c for c in source.cells if c.cell_type == "code"]
    if [normalized_code(c.source) for c in ran] != [normalized_code(c.source) for c in code]:
        return None
    injected = [c for c in executed.cells if INJECTED in c.metadata.get("tags", [])]
    old_markdown = iter([c for c in executed.cells if c.cell_type == "markdown"])
    ran_cells = iter(ran)
    cells = []
    for cell in source.cells:
        new = copy.deepcopy(next(ran_cells) if cell.cell_type == "code" else next(old_markdown, cell))
        new.source = cell.source
        new.metadata["tags"] = list(cell.metadata.get("tags", []))  # papermill's convention: always a list
        for key in SOURCE_DISPLAY_METADATA:  # how the cell shows, in Lab and on the site: the source says
            new.metadata.pop(key, None)
            if cell.metadata.get(key):
                new.metadata[key] = copy.deepcopy(cell.metadata[key])
        cells.append(new)
        if "parameters" in new.metadata.get("tags", []):
            cells.extend(injected)
    refreshed = copy.deepcopy(executed)
    refreshed.cells = cells
    return refreshed


#: An object's address in its default repr (``<Styler at 0x7f...>``): different in every run.
ADDRESS = re.compile(r" at 0x[0-9a-f]+>")
#: What papermill records of a run that says something about the page: the rest is timings and paths.
PAPERMILL_KEPT = ("parameters", "version")


def tidy(notebook: Any) -> Any:
    """``notebook`` without what changes from run to run and shows nothing on the page.

    Cell ids are numbered; papermill's and Jupyter's timings, papermill's copy of the input notebook and
    its paths (the build machine's folders) are dropped; object addresses leave the text outputs. So a
    rebuild that computes the same outputs writes the same file.
    """
    for number, cell in enumerate(notebook.cells):
        cell.id = f"cell-{number}"
        for key in ("execution", "papermill"):
            cell.metadata.pop(key, None)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if isinstance(data.get("text/plain"), str):
                data["text/plain"] = ADDRESS.sub(">", data["text/plain"])
            if isinstance(output.get("text"), str):  # printed text
                output["text"] = ADDRESS.sub(">", output["text"])
    papermill = notebook.metadata.get("papermill")
    if papermill is not None:
        notebook.metadata["papermill"] = {key: papermill[key] for key in PAPERMILL_KEPT if key in papermill}
    return notebook


def refresh_prose(part: str, profile: str) -> bool:
    """Bring an up-to-date part's executed notebook in step with its source's prose; True if it changed."""
    path = EXECUTED / profile / f"{part}.ipynb"
    executed = nbformat.read(path, as_version=4)
    refreshed = with_current_prose(read_notebook(part), executed)
    if refreshed is None:
        return False
    refreshed = tidy(refreshed)
    if refreshed == executed:
        return False
    with atomic_write(path, "w") as tmp:
        nbformat.write(refreshed, tmp)
    return True


def build(
    profile: str, parts: list[str] | None = None, overrides: dict[str, Any] | None = None, from_nothing: bool = False
) -> int:
    """Run ``parts`` (default: every stale part) of ``profile`` in order; return how many trained.

    ``from_nothing`` runs every part with empty caches (every network trains) into
    ``output_folder(profile, from_nothing=True)``, then compares its numbers with the published ones.
    """
    check_profile(profile)
    for part in parts or []:
        check_part(part)
        part_parameters(part, profile, overrides)  # refuses an unknown override before anything runs
    trained = 0
    with build_lock(EXECUTED, profile), temporary_folder(profile) as scratch:
        if from_nothing:
            shutil.rmtree(output_folder(profile, from_nothing=True), ignore_errors=True)
        with empty_caches(scratch) if from_nothing else nullcontext():
            for part in part_names():
                if parts is not None and part not in parts:
                    continue
                if from_nothing:
                    reason = f"from nothing: empty caches, into {_shown(output_folder(profile, from_nothing=True))}/"
                else:
                    current = status(part, profile)
                    if parts is None and current.up_to_date:
                        note = " (prose refreshed, nothing trained)" if refresh_prose(part, profile) else ""
                        print(f"{part} ({profile}): up to date{note}")
                        continue
                    reason = "; ".join(current.reasons) if not current.up_to_date else "asked for by name"
                if overrides:
                    reason = f"with {overrides}, into {_shown(output_folder(profile, overrides))}/: not the profile"
                print(f"{part} ({profile}): running ({reason})", flush=True)
                started = time.perf_counter()
                execute_part(part, profile, overrides, from_nothing)
                print(f"{part} ({profile}): done in {time.perf_counter() - started:.0f} s", flush=True)
                trained += 1
    return trained


def differing_numbers(published: Path, rebuilt: Path) -> tuple[int, list[str]]:
    """How many numbers the results of two folders share, and a line for each that differs.

    Every number of every part's results file is compared, except what describes the run rather than
    its outcome (``RUN_FIELDS``: times, the machine, the build's digests).
    """
    compared, differences = 0, []

    def walk(first: Any, second: Any, where: str) -> None:
        nonlocal compared
        if isinstance(first, dict) and isinstance(second, dict):
            for key in sorted(set(first) | set(second)):
                if key in RUN_FIELDS:
                    continue
                if key not in first or key not in second:
                    differences.append(f"{where}{key}: only in the {'rebuilt' if key in second else 'published'}")
                else:
                    walk(first[key], second[key], f"{where}{key}.")
        elif isinstance(first, list) and isinstance(second, list) and len(first) == len(second):
            for number, (one, other) in enumerate(zip(first, second, strict=True)):
                walk(one, other, f"{where}{number}.")
        else:
            compared += isinstance(first, int | float) and not isinstance(first, bool)
            if first != second:
                differences.append(f"{where.rstrip('.')}: published {first!r}, rebuilt {second!r}")

    for path in sorted((published / "results").glob("*.json")):
        other = rebuilt / "results" / path.name
        if not other.is_file():
            differences.append(f"{path.stem}: not rebuilt")
            continue
        walk(json.loads(path.read_text()), json.loads(other.read_text()), f"{path.stem}: ")
    return compared, differences


@contextmanager
def empty_caches(scratch: Path) -> Iterator[None]:
    """Point the caches (``EMPTY_CACHES``) at empty folders in ``scratch`` for the block; the kernels inherit it."""
    saved = {variable: os.environ.get(variable) for variable in EMPTY_CACHES}
    os.environ.update({variable: str(scratch / folder) for variable, folder in EMPTY_CACHES.items()})
    try:
        yield
    finally:
        for variable, value in saved.items():
            if value is None:
                os.environ.pop(variable, None)
            else:
                os.environ[variable] = value


@contextmanager
def temporary_folder(profile: str) -> Iterator[Path]:
    """Point this build's temporary files, and its kernels', at ``executed/.<profile>.tmp/``.

    Kernel connection files and whatever a part writes to its temporary folder land there. Only the
    build holding the profile's lock uses the folder, so the next build clears what a killed one
    left, and nothing is left behind in the system's temporary folder.
    """
    folder = EXECUTED / f".{profile}.tmp"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    saved = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"] = tempfile.tempdir = str(folder)
    try:
        yield folder
    finally:
        if saved[0] is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved[0]
        tempfile.tempdir = saved[1]
        shutil.rmtree(folder, ignore_errors=True)


def set_kernel_env() -> None:
    """Give the project kernel its environment (``KERNEL_ENV``) and arguments (``KERNEL_ARGS``)."""
    from jupyter_client.kernelspec import KernelSpecManager

    spec_file = Path(KernelSpecManager().get_kernel_spec(KERNEL_NAME).resource_dir) / "kernel.json"
    spec = json.loads(spec_file.read_text())
    spec["env"] = {**spec.get("env", {}), **KERNEL_ENV}
    spec["argv"] += [arg for arg in KERNEL_ARGS if arg not in spec["argv"]]
    spec_file.write_text(json.dumps(spec, indent=1) + "\n")


def report_from_nothing(profile: str) -> None:
    """Rebuild ``profile`` from nothing, then say whether its numbers are the published ones."""
    build(profile, from_nothing=True)
    rebuilt = output_folder(profile, from_nothing=True)
    compared, differences = differing_numbers(EXECUTED / profile, rebuilt)
    if differences:
        shown = "\n  ".join(differences[:20]) + (
            f"\n  … and {len(differences) - 20} more" if len(differences) > 20 else ""
        )
        raise SystemExit(
            f"rebuilt from nothing into {_shown(rebuilt)}/: {len(differences)} of {compared} numbers differ from "
            f"executed/{profile}/:\n  {shown}"
        )
    print(f"rebuilt from nothing into {_shown(rebuilt)}/: all {compared} numbers equal the published ones")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", help="parts to run even if up to date (default: every stale part)")
    parser.add_argument("--profile", default="full")
    parser.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "YAML_VALUE"),
        help="override one parameter of the one named part, e.g. -p models_per_graph 8",
    )
    parser.add_argument("--kernel-env", action="store_true", help="only set up the project kernel's environment")
    parser.add_argument(
        "--from-nothing",
        action="store_true",
        help="train every network again with empty caches, into executed/<profile>-from-nothing/, and compare",
    )
    args = parser.parse_args()
    if args.from_nothing and (args.parts or args.parameter):
        parser.error("--from-nothing rebuilds the whole profile as it is: name no parts and no -p")
    if args.kernel_env:
        set_kernel_env()
        return
    if args.parameter and len(args.parts) != 1:
        parser.error("-p overrides a parameter of one part: name exactly one part")
    try:
        overrides = {name: yaml.safe_load(value) for name, value in args.parameter}
        if args.from_nothing:
            report_from_nothing(args.profile)
        else:
            build(args.profile, args.parts or None, overrides)
    except ParameterError as error:
        raise SystemExit(f"ParameterError: {error}") from None
    except (PartFailedError, UnreadableResultsError) as error:
        raise SystemExit(str(error)) from None


if __name__ == "__main__":
    main()
