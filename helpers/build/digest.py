"""What a part's outputs depend on, as content digests: what `make status` reports and `make notebooks` reruns.

A part's inputs, each reduced to a short SHA-256:

* ``notebooks/NN_name.py``: its code cells, compared as Python syntax trees, so comments, formatting
  and markdown cells (the prose) never force a retrain;
* ``helpers/<module>.py``: every library module its code imports, followed through the library's own
  imports, compared as syntax trees without docstrings (``helpers/build/``, the tooling, is never
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

from helpers.build.profiles import EXECUTED, PROJECT_ROOT, part_names, part_parameters, read_notebook

LIBRARY = "helpers"
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
    if drop_docstrings:
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and _is_docstring(body[0]):
                node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


def _is_docstring(node: ast.AST) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def code_cells(part: str) -> list[str]:
    """The sources of the part's code cells, in order."""
    return [cell.source for cell in read_notebook(part).cells if cell.cell_type == "code"]


def imported_modules(source: str) -> set[str]:
    """Library modules (``helpers.x``) that ``source`` imports, wherever the import statement is."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.split(".")[0] == LIBRARY and module_file(name).is_file()}


def module_file(module: str) -> Path:
    """``helpers.plots`` -> ``<root>/helpers/plots.py`` (a package's ``__init__.py`` for a package)."""
    path = PROJECT_ROOT.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def library_closure(sources: list[str]) -> set[str]:
    """Every library module the sources import, and every library module those import, and so on."""
    pending = set().union(*(imported_modules(source) for source in sources))
    seen: set[str] = set()
    while pending:
        module = pending.pop()
        seen.add(module)
        pending |= imported_modules(module_file(module).read_text()) - seen
    return seen


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
    modules = library_closure(sources)
    inputs = {f"notebooks/{part}.py": short_hash("\n\0".join(normalized_code(s) for s in sources))}
    for module in sorted(modules):
        path = module_file(module)
        inputs[str(path.relative_to(PROJECT_ROOT))] = short_hash(
            normalized_code(path.read_text(), drop_docstrings=True)
        )
    inputs["profile"] = short_hash(json.dumps(part_parameters(part, profile, overrides), sort_keys=True))
    for earlier in parts_read(part):
        results = EXECUTED / profile / "results" / f"{earlier}.json"
        inputs[f"results/{earlier}.json"] = short_hash(results.read_bytes()) if results.is_file() else "missing"
    inputs["requirements"] = short_hash(requirements_text())
    for module, name in MODULE_REQUIREMENTS.items():
        if module in modules:
            inputs[name] = short_hash(requirements_text((name,)))
    return inputs


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
    """The ``build`` entry of the part's results file, if the part was built with digests."""
    results = EXECUTED / profile / "results" / f"{part}.json"
    if not results.is_file():
        return None
    return json.loads(results.read_text()).get("build")


def status(part: str, profile: str) -> Status:
    """Compare the part's recorded inputs with the current ones."""
    if not (EXECUTED / profile / f"{part}.ipynb").is_file():
        return Status(part, ("not built yet",))
    build = recorded_build(part, profile)
    if build is None:
        return Status(part, ("no input digests recorded: built before content digests",))
    return Status(part, tuple(differences(build["inputs"], part_inputs(part, profile))))


def differences(recorded: dict[str, str], current: dict[str, str]) -> list[str]:
    """Readable reasons, one per input that differs."""
    reasons = []
    for name in sorted(recorded.keys() | current.keys(), key=_input_order):
        before, now = recorded.get(name), current.get(name)
        if before == now:
            continue
        if before is None:
            verb = "reads" if name.startswith("results/") else "needs" if name.startswith("requirements") else "imports"
            reasons.append(f"now {verb} {name}")
        elif now is None:
            reasons.append(f"no longer uses {name}")
        elif name == "profile":
            reasons.append("its profile settings changed")
        elif name.startswith("results/"):
            reasons.append(f"{name} is missing" if now == "missing" else f"{name} changed")
        else:
            reasons.append(f"{name} changed")
    return reasons


def _input_order(name: str) -> tuple[int, str]:
    kinds = ("notebooks/", "helpers/", "profile", "results/", "requirements")
    return next(i for i, kind in enumerate(kinds) if name.startswith(kind)), name
