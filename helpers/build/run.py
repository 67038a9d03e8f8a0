"""Execute one part of the series with papermill: ``python -m helpers.build.run NN_name --profile quick``.

The part's ``.py`` (the hand-edited source) is read with jupytext, given the project kernel and run
by papermill with the profile's parameters from ``notebooks/profiles.yaml``. Output goes to
``executed/<profile>/NN_name.ipynb`` only when the run succeeds: papermill writes into
``NN_name.partial.ipynb`` as it goes, a success renames it into place, and a failure renames it to
``NN_name.failed.ipynb`` (the error cell visible) and leaves the last good output untouched.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
from pathlib import Path
from typing import Any

import jupytext
import papermill
import yaml

from helpers.data import PROJECT_ROOT

KERNEL_NAME = "cnn-vs-dense"
NOTEBOOKS = PROJECT_ROOT / "notebooks"
EXECUTED = PROJECT_ROOT / "executed"


def declared_parameters(notebook: Any) -> set[str]:
    """Names assigned in the notebook's ``parameters``-tagged cell."""
    for cell in notebook.cells:
        if "parameters" in cell.metadata.get("tags", []):
            tree = ast.parse(cell.source)
            return {target.id for node in tree.body if isinstance(node, ast.Assign) for target in node.targets}
    raise SystemExit("the part has no cell tagged 'parameters'")


def part_parameters(part: str, profile: str) -> dict[str, Any]:
    """The papermill parameters of ``part`` in ``profile``: shared ones, then the part's own."""
    profiles = yaml.safe_load((NOTEBOOKS / "profiles.yaml").read_text())
    if profile not in profiles:
        raise SystemExit(f"unknown profile {profile!r}: notebooks/profiles.yaml defines {sorted(profiles)}")
    settings = profiles[profile] or {}
    parameters = dict(settings.get("all_parts") or {})
    parameters.update(settings.get(part) or {})
    parameters["profile"] = profile
    parameters["output_dir"] = "."  # papermill runs each part inside executed/<profile>/
    return parameters


def with_kernel(notebook: Any) -> Any:
    """Give a notebook read from its ``.py`` the project kernel, so papermill never guesses one."""
    notebook.metadata["kernelspec"] = {
        "name": KERNEL_NAME,
        "display_name": "Python (cnn-vs-dense)",
        "language": "python",
    }
    notebook.metadata.setdefault("language_info", {"name": "python"})
    return notebook


def execute_part(part: str, profile: str, overrides: dict[str, Any] | None = None) -> Path:
    """Run ``notebooks/<part>.py`` into ``executed/<profile>/<part>.ipynb``; see the module docstring."""
    source = NOTEBOOKS / f"{part}.py"
    if not source.is_file():
        raise SystemExit(f"no such part: {source}")
    out_dir = EXECUTED / profile
    out_dir.mkdir(parents=True, exist_ok=True)
    final, partial, failed = (out_dir / f"{part}{suffix}" for suffix in (".ipynb", ".partial.ipynb", ".failed.ipynb"))
    notebook = with_kernel(jupytext.read(source))
    try:
        papermill.execute_notebook(
            notebook,
            str(partial),
            parameters={
                name: value
                for name, value in {**part_parameters(part, profile), **(overrides or {})}.items()
                if name in declared_parameters(notebook)
            },
            kernel_name=KERNEL_NAME,
            cwd=str(out_dir),
            progress_bar=False,
            log_output=False,
        )
    except BaseException:
        if partial.exists():
            os.replace(partial, failed)
            print(f"{part} FAILED: see the error cell in {failed.relative_to(PROJECT_ROOT)}", file=sys.stderr)
        raise
    os.replace(partial, final)
    failed.unlink(missing_ok=True)
    return final


#: Environment of the project kernel. oneDNN's CPU kernels are off by default on this AMD CPU and
#: measured ~1.85x faster on LeNet here (they change float rounding only); TF's C++ start-up log is noise.
KERNEL_ENV = {"TF_ENABLE_ONEDNN_OPTS": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
#: TensorFlow's C++ code writes to the process's stderr (with timestamps) whatever the log level: keep
#: that in the kernel's own log instead of the notebook's cells.
KERNEL_ARGS = ["--IPKernelApp.capture_fd_output=False"]


def set_kernel_env() -> None:
    """Give the project kernel its environment (``KERNEL_ENV``) and arguments (``KERNEL_ARGS``)."""
    from jupyter_client.kernelspec import KernelSpecManager

    spec_file = Path(KernelSpecManager().get_kernel_spec(KERNEL_NAME).resource_dir) / "kernel.json"
    spec = json.loads(spec_file.read_text())
    spec["env"] = {**spec.get("env", {}), **KERNEL_ENV}
    spec["argv"] += [arg for arg in KERNEL_ARGS if arg not in spec["argv"]]
    spec_file.write_text(json.dumps(spec, indent=1) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", nargs="?", help="part name, e.g. 01_dense_tutorial")
    parser.add_argument("--profile", default="full")
    parser.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "YAML_VALUE"),
        help="override one parameter for this run, e.g. -p models_per_graph 36",
    )
    parser.add_argument("--kernel-env", action="store_true", help="only set up the project kernel's environment")
    args = parser.parse_args()
    if args.kernel_env:
        set_kernel_env()
        return
    if args.part is None:
        parser.error("name a part, e.g. 01_dense_tutorial")
    try:
        overrides = {name: yaml.safe_load(value) for name, value in args.parameter}
        path = execute_part(args.part, args.profile, overrides)
    except papermill.PapermillExecutionError as error:
        raise SystemExit(f"{args.part}: {error.ename}: {error.evalue}") from None
    print(f"executed {path.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    main()
