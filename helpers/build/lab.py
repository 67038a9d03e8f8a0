"""JupyterLab for learners and for authors: ``make lab``, ``make lab-reset``, ``make lab-author``.

A learner explores a *workspace*, a git-ignored copy of the parts made from ``notebooks/*.py`` on
first use (``workspace`` below): edits, saves and outputs stay in it, and the parts' own runs write
to ``executed/interactive/`` (``helpers/params.py``), so exploring never changes the series. ``reset``
moves the learner's copy aside to ``<workspace>-saved/<date_time>/`` and makes a fresh one.

An author opens ``notebooks/`` itself (``make lab-author``), with ``strip_for_commit`` as the Jupyter
server's pre-save hook: jupytext writes the ``.py`` (its metadata filter keeps run-time metadata out of
it) and the hook keeps the paired ``.ipynb`` as ``jupytext --sync`` makes it, output-free.

Both open a part's ``.py`` as a notebook when it is clicked: ``install_settings`` writes jupytext's
default-viewer setting into the environment's own Lab settings (``.venv/share/jupyter/lab/settings``),
not into the user's home, so it holds on a fresh machine and for any user, root included.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path
from typing import Any

from helpers.paths import PROJECT_ROOT

SOURCES = PROJECT_ROOT / "notebooks"

#: Lab settings the project's environment ships (merged over Lab's defaults, under any user setting).
LAB_SETTINGS = {
    # A part's .py opens as a notebook (jupytext's viewer) instead of in the text editor.
    "@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"python": "Jupytext Notebook"}},
    # No news or update checks: Lab makes no request to the web and shows no toast over the first part.
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}

#: Notebook metadata the committed .ipynb keeps: what ``jupytext --sync`` writes from the .py header.
KEPT_NOTEBOOK_METADATA = ("jupytext", "kernelspec")
#: Cell metadata a run or a view adds, which jupytext also keeps out of the .py.
VOLATILE_CELL_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled", "autoscroll", "trusted")


def install_settings(path: Path) -> None:
    """Write the project's Lab settings to ``path``, an ``overrides.d/*.json`` of the environment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(LAB_SETTINGS, indent=2) + "\n")
    print(f"JupyterLab settings: a part's .py opens as a notebook ({path})")


def fill_workspace(workspace: Path) -> list[str]:
    """Copy into ``workspace`` each part of ``notebooks/`` it lacks; return their names.

    On first use that is every part; later it only adds parts new to the series, never touching
    the learner's copies.
    """
    workspace.mkdir(parents=True, exist_ok=True)
    added = []
    for source in sorted(SOURCES.glob("[0-9][0-9]_*.py")):
        if not (workspace / source.name).exists():
            shutil.copyfile(source, workspace / source.name)
            added.append(source.name)
    return added


def move_aside(workspace: Path) -> Path | None:
    """Move ``workspace`` to ``<workspace>-saved/<date_time>/``; return where, or ``None`` if it does not exist."""
    if not workspace.exists():
        return None
    saved = workspace.with_name(f"{workspace.name}-saved") / time.strftime("%Y-%m-%d_%H-%M-%S")
    while saved.exists():  # two resets within one second
        saved = saved.with_name(saved.name + "+")
    saved.parent.mkdir(parents=True, exist_ok=True)
    workspace.rename(saved)
    return saved


def strip_for_commit(model: dict[str, Any], path: str, **_: Any) -> None:
    """Jupyter pre-save hook: a notebook is saved output-free, with only the metadata its .py holds.

    Outputs and execution counts go, and so do the notebook metadata a kernel adds (``language_info``
    and the like) and the cell metadata a run adds; cell ids, tags and ``jupyter.source_hidden`` stay.
    Other files (the paired ``.py`` among them) pass untouched.
    """
    if model.get("type") != "notebook":
        return
    notebook = json.loads(json.dumps(model["content"]))  # a copy: jupytext writes the .py from the original
    notebook["metadata"] = {
        key: notebook["metadata"][key] for key in KEPT_NOTEBOOK_METADATA if key in notebook["metadata"]
    }
    for cell in notebook["cells"]:
        for key in VOLATILE_CELL_METADATA:
            cell["metadata"].pop(key, None)
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    model["content"] = notebook


def _relative(path: Path) -> str:
    return str(path.resolve().relative_to(PROJECT_ROOT)) if path.resolve().is_relative_to(PROJECT_ROOT) else str(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("settings", help="write the Lab settings file").add_argument("path", type=Path)
    commands.add_parser("workspace", help="make or top up the learner's workspace").add_argument("folder", type=Path)
    commands.add_parser("reset", help="move the workspace aside, make a fresh one").add_argument("folder", type=Path)
    args = parser.parse_args()
    if args.command == "settings":
        install_settings(args.path)
        return
    name = _relative(args.folder)
    if args.command == "reset":
        saved = move_aside(args.folder)
        print(f"{name}/: your previous copy is now {_relative(saved)}/" if saved else f"{name}/: there was no copy yet")
    added = fill_workspace(args.folder)
    if added:
        print(f"{name}/: copied from notebooks/: {', '.join(added)}")
    print(
        f"{name}/ is your copy of the parts: edits and saves stay here, runs write to executed/interactive/ "
        "(`make lab-reset` moves this copy aside and starts afresh from notebooks/)"
    )


if __name__ == "__main__":
    main()
