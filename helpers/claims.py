"""Sentences whose verdict depends on the run, each backed by a named check recorded with the results.

A part writes such a sentence as ``state(name, holds, sentence)``: the sentence may interpolate numbers,
but its verdict words are fixed, and ``holds`` is the check over the part's own results that makes it
true. ``state`` records the check and returns the sentence when it holds. When it does not, the page
says ``otherwise`` instead (by default, that this run does not show it), and the published profile's
build stops, naming the part and the claim (``helpers/build/run.py``): a rebuild that no longer
supports a sentence never publishes it. The quick profile and runs by hand may say less, never something
false. The part passes ``recorded()`` to ``save_results`` as ``claims``.
"""

from __future__ import annotations

from typing import Any

#: The checks made so far in this kernel, by name: a part's cells run once per build.
_checked: dict[str, dict[str, Any]] = {}

NOT_SHOWN = "(This run does not show what the full run's page says here.)"


def state(name: str, holds: bool, sentence: str, otherwise: str = NOT_SHOWN) -> str:
    """``sentence`` if ``holds``, else ``otherwise``; the check is recorded under ``name`` either way."""
    if not name.isidentifier():
        raise ValueError(f"a claim's name must be an identifier, e.g. 'lenet_fewer_errors', got {name!r}")
    _checked[name] = {"holds": bool(holds), "sentence": sentence}
    return sentence if holds else otherwise


def recorded() -> dict[str, dict[str, Any]]:
    """Every check made so far: name -> whether it holds and the sentence it backs."""
    return {name: dict(check) for name, check in _checked.items()}


def unsupported(record: dict[str, Any]) -> list[str]:
    """The names of a results record's claims that do not hold."""
    return [name for name, check in record.get("claims", {}).items() if not check["holds"]]
