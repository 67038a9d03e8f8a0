"""What a part's outputs depend on, as content digests: what `make status` reports and `make notebooks` reruns.

A part's inputs, each reduced to a short SHA-256:

* ``notebooks/NN_name.py``: its code cells, compared as Python syntax trees, so comments, formatting
  and markdown cells (the prose) never force a retrain;
* ``helpers/<module>.py::<name>``: every top-level definition of the library that its code reaches,
  compared as syntax trees without docstrings, and ``helpers/<module>.py`` for the top-level code of
  each library module it imports (``helpers.build.reach``; ``helpers/build/``, the tooling, is never
  imported by a part, so it never counts);
* ``profile``: the parameters the build passes it (the profile's ``all_parts`` and its own section);
* ``results/MM_name.json``: the results file of each earlier part it reads (a part reads the parts
  whose names appear as strings in its code);
* ``requirements``: the pinned requirements every part runs on (``requirements.txt`` and
  ``requirements-nodeps.txt``, comments dropped), and ``requirements-grid.txt`` (the grid engine's
  packages) for the parts whose library modules include the engine.

The build records these inputs in the part's results file (``"build"``); a part is up to date when
its executed notebook exists and the recorded inputs equal the current ones.
"""

from __future__ import annotations

import ast
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.build import reach
from helpers.build.profiles import part_names, part_parameters, read_notebook
from helpers.build.stable import RUN_FIELDS
from helpers.paths import EXECUTED, PROJECT_ROOT, results_path

REQUIREMENTS = ("requirements.txt", "requirements-nodeps.txt")
#: Pins that only the parts importing a given library module depend on: adding the grid engine's
#: packages does not make a part that trains no grid stale.
MODULE_REQUIREMENTS = {"helpers.grid_engine": "requirements-grid.txt"}


def short_hash(text: str | bytes) -> str:
    """The first 16 hex digits of a SHA-256."""
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()[:16]


def normalized_code(source: str, *, drop_docstrings: bool = False) -> str:
    """``source`` as a syntax tree dump: what the code does, without its comments or layout.

    Source that is not plain Python (an IPython magic) is kept as text minus comment lines.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return "\n".join(line.rstrip() for line in source.splitlines() if not line.lstrip().startswith("#"))
    return ast.dump(reach.without_docstrings(tree) if drop_docstrings else tree)


def code_cells(part: str) -> list[str]:
    """The sources of the part's code cells, in order."""
    return [cell.source for cell in read_notebook(part).cells if cell.cell_type == "code"]


def _shown(module: str) -> str:
    """``helpers.plots`` -> ``helpers/plots.py``, as the reasons of ``make status`` name it."""
    return str(reach.module_file(PROJECT_ROOT, module).relative_to(PROJECT_ROOT))


def parts_read(part: str) -> list[str]:
    """Earlier parts whose results this part reads: their names appear as strings in its code."""
    names = set(part_names()[: part_names().index(part)])
    strings = {
        node.value
        for source in code_cells(part)
        for node in ast.walk(_parse_or_empty(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    return sorted(names & strings)


def _parse_or_empty(source: str) -> ast.AST:
    try:
        return ast.parse(source)
    except SyntaxError:
        return ast.Module(body=[], type_ignores=[])


def requirements_text(files: tuple[str, ...] = REQUIREMENTS) -> str:
    """The pinned requirements of ``files`` without comments or blank lines."""
    lines = []
    for name in files:
        for line in (PROJECT_ROOT / name).read_text().splitlines():
            requirement = line.split("#", 1)[0].strip()
            if requirement:
                lines.append(requirement)
    return "\n".join(lines)


def part_inputs(part: str, profile: str, overrides: dict[str, Any] | None = None) -> dict[str, str]:
    """Each input of ``part`` in ``profile`` (see the module docstring) and its digest."""
    sources = code_cells(part)
    modules, definitions = reach.reached(PROJECT_ROOT, sources)
    inputs = {f"notebooks/{part}.py": short_hash("\n\0".join(normalized_code(s) for s in sources))}
    for module in sorted(modules):
        inputs[_shown(module)] = short_hash(reach.module_code_of(PROJECT_ROOT, module))
    for definition in sorted(definitions, key=str):
        inputs[f"{_shown(definition.module)}::{definition.name}"] = short_hash(reach.code_of(PROJECT_ROOT, definition))
    inputs["profile"] = short_hash(json.dumps(part_parameters(part, profile, overrides), sort_keys=True))
    for earlier in parts_read(part):
        results = results_path(EXECUTED / profile, earlier)
        inputs[f"results/{earlier}.json"] = results_digest(results)
    inputs["requirements"] = short_hash(requirements_text())
    for module, name in MODULE_REQUIREMENTS.items():
        if module in modules:
            inputs[name] = short_hash(requirements_text((name,)))
    return inputs


def results_digest(path: Path) -> str:
    """The digest of what a results file says, without the fields that describe the run (``stable.RUN_FIELDS``)."""
    if not path.is_file():
        return "missing"
    try:
        record = _read_record(path)
    except UnreadableResultsError:
        return "unreadable"
    return short_hash(json.dumps({k: v for k, v in record.items() if k not in RUN_FIELDS}, sort_keys=True))


def combined(inputs: dict[str, str]) -> str:
    """One digest for all of a part's inputs."""
    return short_hash(json.dumps(inputs, sort_keys=True))


@dataclass(frozen=True)
class Status:
    """Whether a part's outputs are current, and if not, why."""

    part: str
    reasons: tuple[str, ...]

    @property
    def up_to_date(self) -> bool:
        return not self.reasons

    def line(self) -> str:
        """``04_lenet: up to date`` or ``04_lenet: stale (notebooks/04_lenet.py changed)``."""
        return f"{self.part}: " + ("up to date" if self.up_to_date else f"stale ({'; '.join(self.reasons)})")


def recorded_build(part: str, profile: str) -> dict[str, Any] | None:
    """The ``build`` entry of the part's results file, if the part was built with digests.

    A results file that is not a JSON object (cut short, edited by hand) raises ``UnreadableResultsError``.
    """
    results = results_path(EXECUTED / profile, part)
    if not results.is_file():
        return None
    return _read_record(results).get("build")


class UnreadableResultsError(Exception):
    """A results file that cannot be read: one line naming it and the repair."""


def _read_record(path: Path) -> dict[str, Any]:
    try:
        record = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        record = error
    if not isinstance(record, dict):
        shown = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
        raise UnreadableResultsError(
            f"{shown} is not a results record (cut short or edited?): restore it with "
            f"`git checkout -- {shown}`, or delete it and run `make notebooks` to rebuild its part"
        )
    return record


def status(part: str, profile: str) -> Status:
    """Compare the part's recorded inputs with the current ones."""
    if not (EXECUTED / profile / f"{part}.ipynb").is_file():
        return Status(part, ("not built yet",))
    if not results_path(EXECUTED / profile, part).is_file():
        return Status(part, ("its results file is missing",))
    build = recorded_build(part, profile)
    if build is None:
        return Status(part, ("no input digests recorded: built before content digests",))
    return Status(part, tuple(differences(build["inputs"], part_inputs(part, profile))))


def plan(profile: str) -> list[Status]:
    """Every part's status as the next build will find it, in order: a part whose own inputs are current
    but that reads the results of a part that reruns first is stale too, and says so."""
    statuses: list[Status] = []
    rerunning: set[str] = set()
    for part in part_names():
        current = status(part, profile)
        if current.up_to_date:
            upstream = [name for name in parts_read(part) if name in rerunning]
            if upstream:
                current = Status(part, (f"reads the results of {', '.join(upstream)}, which reruns first",))
        if not current.up_to_date:
            rerunning.add(part)
        statuses.append(current)
    return statuses


#: How many changed definitions of one module a reason names before it counts the rest.
NAMED_DEFINITIONS = 3


def differences(recorded: dict[str, str], current: dict[str, str]) -> list[str]:
    """Readable reasons: one per input that differs, the definitions of one library module in one reason."""
    reasons = []
    by_module: dict[str, list[str]] = {}
    for name in sorted(recorded.keys() | current.keys(), key=_input_order):
        before, now = recorded.get(name), current.get(name)
        if before == now:
            continue
        if name.startswith("helpers/"):
            module, _, definition = name.partition("::")
            change = "new" if before is None else "gone" if now is None else "changed"
            by_module.setdefault(module, []).append(f"{definition or 'module code'} {change}")
        elif before is None:
            verb = "reads" if name.startswith("results/") else "needs"
            reasons.append(f"now {verb} {name}")
        elif now is None:
            reasons.append(f"no longer uses {name}")
        elif name == "profile":
            reasons.append("its profile settings changed")
        elif name.startswith("results/"):
            reasons.append(f"{name} is {now}" if now in ("missing", "unreadable") else f"{name} changed")
        else:
            reasons.append(f"{name} changed")
    for module, changes in by_module.items():
        named = ", ".join(changes[:NAMED_DEFINITIONS])
        more = f" and {len(changes) - NAMED_DEFINITIONS} more" if len(changes) > NAMED_DEFINITIONS else ""
        reasons.append(f"{module}: {named}{more}")
    return sorted(reasons, key=_input_order)


def _input_order(name: str) -> tuple[int, str]:
    kinds = ("notebooks/", "helpers/", "its profile", "profile", "results/", "now reads", "requirements", "now needs")
    return next((i for i, kind in enumerate(kinds) if name.startswith(kind)), len(kinds)), name
