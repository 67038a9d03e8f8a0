"""Which library definitions a part reaches: the narrow half of its digest.

A part depends on the top-level definitions of ``helpers/`` that its code names, on those that these
name in turn, and so on; not on the rest of the modules they live in. ``reached(sources)`` follows
the names statically:

* in the part's code, every name imported from a library module (``from helpers.grid import
  run_grid``) and every attribute of an imported library module (``plots.rerun_spread``);
* in a reached definition (a function, a class with all its methods, an assignment), every name of
  its own module's top-level definitions and every library name its module imports;
* a library module used as a plain value (passed on, not just dotted into) counts whole.

Each module's top-level code that is neither a definition nor an import (a ``with`` or ``if`` block
run on import) counts whenever the module is imported at all: importing runs it. Imports themselves
never count: what a third-party import brings is pinned by the requirements.

The static reach cannot see a call made through a string (``getattr(module, name)``): the library
makes none (``tests/test_build.py`` checks that no module of ``helpers/`` calls ``getattr`` on a module).
"""

from __future__ import annotations

import ast
import copy
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

LIBRARY = "helpers"
#: The key of a module's top-level code that is not a definition (see the module docstring).
MODULE_CODE = "<module>"


@dataclass(frozen=True)
class Definition:
    """One top-level name of a library module: ``helpers.grid`` and ``run_grid``."""

    module: str
    name: str

    def __str__(self) -> str:
        return f"{self.module}.{self.name}"


@dataclass
class ModuleIndex:
    """A library module's top-level definitions, its library imports and its other top-level code."""

    definitions: dict[str, list[ast.stmt]] = field(default_factory=dict)
    #: local name -> (module, name) for ``from helpers.x import name``, (module, None) for a module.
    imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    code: list[ast.stmt] = field(default_factory=list)


def module_file(root: Path, module: str) -> Path:
    """``helpers.plots`` -> ``<root>/helpers/plots.py`` (a package's ``__init__.py`` for a package)."""
    path = root.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def is_library_module(root: Path, module: str) -> bool:
    return module.split(".")[0] == LIBRARY and module_file(root, module).is_file()


def library_imports(root: Path, tree: ast.AST) -> dict[str, tuple[str, str | None]]:
    """The library names an import statement anywhere in ``tree`` binds: local name -> (module, name)."""
    bound: dict[str, tuple[str, str | None]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if is_library_module(root, alias.name):
                    if alias.asname:
                        bound[alias.asname] = (alias.name, None)
                    else:
                        bound[alias.name.split(".")[0]] = (alias.name.split(".")[0], None)
                        bound[alias.name] = (alias.name, None)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                local = alias.asname or alias.name
                if is_library_module(root, f"{node.module}.{alias.name}"):
                    bound[local] = (f"{node.module}.{alias.name}", None)
                elif is_library_module(root, node.module):
                    bound[local] = (node.module, alias.name)
    return bound


@functools.cache
def index(root: Path, module: str, mtime_ns: int) -> ModuleIndex:
    """The top-level structure of one library module (cached per file version)."""
    tree = ast.parse(module_file(root, module).read_text())
    found = ModuleIndex(imports=library_imports(root, tree))
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        names = _bound_names(node)
        if names:
            for name in names:
                found.definitions.setdefault(name, []).append(node)
        elif not _is_docstring(node):
            found.code.append(node)
    return found


def module_index(root: Path, module: str) -> ModuleIndex:
    return index(root, module, module_file(root, module).stat().st_mtime_ns)


def _bound_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [n.id for target in node.targets for n in ast.walk(target) if isinstance(n, ast.Name)]
    if isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def names_used(
    nodes: Iterable[ast.AST], imports: dict[str, tuple[str, str | None]], local: dict[str, list[ast.stmt]] | None
) -> set[Definition]:
    """The library definitions that ``nodes`` name, given the imports in scope and the module's own names."""
    used: set[Definition] = set()
    dotted: set[int] = set()  # the Name nodes seen as the base of ``module.attribute``
    for tree in nodes:
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                base = _dotted_module(node.value, imports)
                if base is not None:
                    used.add(Definition(base, node.attr))
                    dotted |= {id(n) for n in ast.walk(node.value) if isinstance(n, ast.Name)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Name) or id(node) in dotted:
                continue
            if node.id in imports:
                module, name = imports[node.id]
                used.add(Definition(module, name if name is not None else "*"))
            elif local is not None and node.id in local:
                used.add(Definition("", node.id))
    return used


def _dotted_module(node: ast.expr, imports: dict[str, tuple[str, str | None]]) -> str | None:
    """The library module that ``node`` names (``plots``, ``helpers.plots``), if it names one."""
    if isinstance(node, ast.Name) and node.id in imports and imports[node.id][1] is None:
        return imports[node.id][0]
    if isinstance(node, ast.Attribute):
        base = _dotted_module(node.value, imports)
        return f"{base}.{node.attr}" if base is not None else None
    return None


def reached(root: Path, sources: list[str]) -> tuple[set[str], set[Definition]]:
    """The library modules the sources import (directly or through the library) and the definitions they reach."""
    trees = [_parse(source) for source in sources]
    imports: dict[str, tuple[str, str | None]] = {}
    for tree in trees:
        imports |= library_imports(root, tree)
    pending = {d for d in names_used(trees, imports, None) if d.module}
    modules = {module for module, _ in imports.values()}
    seen: set[Definition] = set()
    while pending:
        definition = pending.pop()
        if definition in seen or not is_library_module(root, definition.module):
            continue
        seen.add(definition)
        found = module_index(root, definition.module)
        modules.add(definition.module)
        modules |= {module for module, _ in found.imports.values()}
        if definition.name == "*":
            nodes = [node for group in found.definitions.values() for node in group] + found.code
        elif definition.name in found.definitions:
            nodes = found.definitions[definition.name]
        elif definition.name in found.imports:  # a name the module re-exports
            module, name = found.imports[definition.name]
            pending.add(Definition(module, name if name is not None else "*"))
            continue
        elif is_library_module(root, f"{definition.module}.{definition.name}"):  # a submodule
            pending.add(Definition(f"{definition.module}.{definition.name}", "*"))
            continue
        else:  # not defined at the top level (an attribute set elsewhere): the whole module counts
            pending.add(Definition(definition.module, "*"))
            continue
        for used in names_used(nodes, found.imports, found.definitions):
            pending.add(Definition(used.module or definition.module, used.name))
    modules = _imported_closure(root, modules)
    defined = {d for d in seen if d.name != "*" and d.name in module_index(root, d.module).definitions}
    return modules, defined | {
        Definition(d.module, name) for d in seen if d.name == "*" for name in module_index(root, d.module).definitions
    }


def _imported_closure(root: Path, modules: set[str]) -> set[str]:
    """Every library module importing ``modules`` imports too (their top-level code runs)."""
    pending, seen = {m for m in modules if is_library_module(root, m)}, set()
    while pending:
        module = pending.pop()
        seen.add(module)
        parent = module.rpartition(".")[0]
        if parent and is_library_module(root, parent):
            pending.add(parent)
        pending |= {m for m, _ in module_index(root, module).imports.values()} - seen
    return seen


def _parse(source: str) -> ast.AST:
    try:
        return ast.parse(source)
    except SyntaxError:  # an IPython magic: it imports nothing from the library
        return ast.Module(body=[], type_ignores=[])


def code_of(root: Path, definition: Definition) -> str:
    """A definition as a syntax tree dump without docstrings: what it does, not how it is laid out."""
    return _dump(module_index(root, definition.module).definitions[definition.name])


def module_code_of(root: Path, module: str) -> str:
    """A module's top-level code that is neither a definition nor an import, as a syntax tree dump."""
    return _dump(module_index(root, module).code)


def _dump(nodes: list[ast.stmt]) -> str:
    return ast.dump(without_docstrings(copy.deepcopy(ast.Module(body=list(nodes), type_ignores=[]))))


def without_docstrings(tree: ast.AST) -> ast.AST:
    """``tree`` with the docstring of every module, class and function taken out (in place)."""
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and _is_docstring(body[0]):
            node.body = body[1:] or [ast.Pass()]
    return tree
