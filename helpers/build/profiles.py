"""The parts, their declared parameters and the profiles' settings, read strictly.

``notebooks/profiles.yaml`` maps each profile to ``all_parts`` (settings for every part) and to
sections named after parts. Every key must be a parameter the part declares in its cell tagged
``parameters``: a misspelled name stops the build before anything runs, naming it and listing the
valid names. Nothing here imports TensorFlow, so ``make status`` stays fast.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path
from typing import Any

import jupytext
import yaml

from helpers.params import ParameterError
from helpers.paths import NOTEBOOKS

PROFILES_FILE = NOTEBOOKS / "profiles.yaml"
#: Parameters the build passes itself; a profile may not set them.
BUILD_PARAMETERS = ("profile", "output_dir")


def part_names() -> list[str]:
    """Every part of the series, in order (``notebooks/NN_name.py``)."""
    return sorted(path.stem for path in NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def check_part(part: str) -> None:
    """Stop with the list of parts when ``part`` is not one."""
    if part not in part_names():
        raise SystemExit(f"no such part: {part!r}; the parts are {', '.join(part_names())}")


def read_notebook(part: str) -> Any:
    """The part's source, read with jupytext from ``notebooks/<part>.py`` (again whenever the file changes).

    A build of several parts takes hours: a source edited meanwhile must be read as it is when its
    part runs, never as it was when the build started.
    """
    path = NOTEBOOKS / f"{part}.py"
    stat = path.stat()
    return _read_source(path, stat.st_mtime_ns, stat.st_size)


@functools.cache
def _read_source(path: Path, mtime_ns: int, size: int) -> Any:
    return jupytext.read(path)


def parameters_cell(notebook: Any) -> Any:
    """The notebook's one cell tagged ``parameters``."""
    tagged = [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]
    if len(tagged) != 1:
        raise SystemExit(f"a part needs exactly one cell tagged 'parameters', this one has {len(tagged)}")
    return tagged[0]


def declared_parameters(notebook: Any) -> dict[str, Any]:
    """Names assigned in the notebook's ``parameters`` cell, with their default values."""
    declared = {}
    for node in ast.parse(parameters_cell(notebook).source).body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                declared[target.id] = ast.literal_eval(node.value)
    return declared


def load_profiles() -> dict[str, dict[str, Any]]:
    """``profiles.yaml``, checked: every part section names a part, every key a declared parameter."""
    profiles = yaml.safe_load(PROFILES_FILE.read_text()) or {}
    parts = part_names()
    for profile, sections in profiles.items():
        for section, settings in (sections or {}).items():
            if section != "all_parts" and section not in parts:
                raise ParameterError(
                    f"{PROFILES_FILE.name}: profile {profile!r} has a section {section!r}, which is not a part "
                    f"(the parts are {', '.join(parts)}; `all_parts` applies to every part)"
                )
            applies_to = parts if section == "all_parts" else [section]
            for name in settings or {}:
                _check_name(name, applies_to, where=f"{PROFILES_FILE.name}, profile {profile!r}, {section}")
    return profiles


def check_profile(profile: str) -> None:
    """Stop with the list of profiles when ``profile`` is not defined."""
    profiles = load_profiles()
    if profile not in profiles:
        raise SystemExit(f"unknown profile {profile!r}: {PROFILES_FILE.name} defines {', '.join(sorted(profiles))}")


def part_parameters(part: str, profile: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the build passes to ``part`` in ``profile``: ``all_parts``, the part's section, then ``overrides``.

    Only parameters the part declares are kept from ``all_parts``; an override the part does not
    declare is refused. ``profile`` and ``output_dir`` are the build's own.
    """
    sections = load_profiles()[profile] or {}
    declared = declared_parameters(read_notebook(part))
    for name in overrides or {}:
        _check_name(name, [part], where="-p")
    settings = {k: v for k, v in (sections.get("all_parts") or {}).items() if k in declared}
    settings.update(sections.get(part) or {})
    settings.update(overrides or {})
    return {**settings, "profile": profile, "output_dir": "."}


def _check_name(name: str, parts: list[str], *, where: str) -> None:
    """``name`` must be a parameter of at least one of ``parts``, and not one the build passes itself."""
    if name in BUILD_PARAMETERS:
        raise ParameterError(f"{where}: {name!r} is set by the build itself; remove it")
    known = set().union(*(declared_parameters(read_notebook(part)) for part in parts)) - set(BUILD_PARAMETERS)
    if name not in known:
        scope = parts[0] if len(parts) == 1 else "any part"
        raise ParameterError(
            f"{where}: {name!r} is not a parameter of {scope}; valid names: {', '.join(sorted(known))}"
        )
