"""Files a part writes, made stable: a rebuild that computes the same outputs leaves them byte for byte.

Three kinds of published file carry something that changes from run to run although nothing on the page
does: pyecharts gives each chart page a random element id, Keras writes the save time (``metadata.json``,
the weights entry's time stamp) and Python object ids (``config.json``) into a ``.keras`` archive, and a
results file records when its run finished and how long it took. ``steady`` fixes the first (the id
becomes a digest of the page) and undoes the others (an archive whose contents other than those, or a
results file whose fields other than ``RUN_TIMES``, equal the last good one's is put back as it was: its
times are those of the run that first produced these outputs). The executed notebooks are tidied in
``run.tidy``, and one that shows the same as the last good one but for its "this part took N s" line is
kept as it was (``same_notebook``).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

#: The random id pyecharts gives a chart's element (and its JavaScript variables).
CHART_ID = re.compile(r'<div id="([0-9a-f]{32})" class="chart-container"')
#: The member of a ``.keras`` archive that holds the save time.
KERAS_METADATA = "metadata.json"
#: The member that holds the model's configuration, and the Python object ids Keras writes into it.
KERAS_CONFIG = "config.json"
OBJECT_ID = re.compile(rb'"shared_object_id": \d+')
#: The fields of a results file (and of its ``environment``) that say when and how long its run took.
RUN_TIMES = ("wall_seconds", "finished_utc")
#: Fields of a results file that describe the run, not its outcome: left out when builds are compared and
#: when a later part's inputs are digested (how long it took, where, from what, what the site says of it).
RUN_FIELDS = frozenset({*RUN_TIMES, "environment", "build", "page"})


def steady_chart_page(text: str) -> str:
    """``text`` with each random chart id replaced by a digest of the page without its ids."""
    ids = CHART_ID.findall(text)
    blank = text
    for chart_id in ids:
        blank = blank.replace(chart_id, "")
    digest = hashlib.sha256(blank.encode()).hexdigest()
    for number, chart_id in enumerate(ids):
        text = text.replace(chart_id, hashlib.sha256(f"{digest}{number}".encode()).hexdigest()[:32])
    return text


def _archive_contents(data: bytes) -> dict[str, bytes] | None:
    """A ``.keras`` archive's members other than its metadata, the configuration without its object ids;
    None when ``data`` is not a zip archive."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            contents = {name: archive.read(name) for name in archive.namelist() if name != KERAS_METADATA}
    except zipfile.BadZipFile:
        return None
    if KERAS_CONFIG in contents:
        contents[KERAS_CONFIG] = OBJECT_ID.sub(b"", contents[KERAS_CONFIG])
    return contents


def same_keras_model(new: bytes, old: bytes) -> bool:
    """Whether two ``.keras`` archives hold the same configuration and weights (the save time aside)."""
    contents = _archive_contents(new)
    return contents is not None and contents == _archive_contents(old)


def same_results(new: bytes, old: bytes) -> bool:
    """Whether two results files say the same, their run times (``RUN_TIMES``) aside."""
    try:
        first, second = json.loads(new), json.loads(old)
    except json.JSONDecodeError:
        return False
    if not (isinstance(first, dict) and isinstance(second, dict)):
        return False
    return _without_run_times(first) == _without_run_times(second)


def _without_run_times(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` without ``RUN_TIMES``, at its top level and in its ``environment``."""
    kept = {key: value for key, value in record.items() if key not in RUN_TIMES}
    if isinstance(kept.get("environment"), dict):
        kept["environment"] = {key: value for key, value in kept["environment"].items() if key not in RUN_TIMES}
    return kept


def steady(files: list[Path], last_good: dict[Path, bytes]) -> None:
    """Make the files a run wrote stable against ``last_good`` (their bytes before the run)."""
    for path in files:
        if path.suffix == ".html":
            text = path.read_text()
            steadied = steady_chart_page(text)
            if steadied != text:
                path.write_text(steadied)
        elif path.suffix in UNCHANGED_WHEN and path in last_good:
            written = path.read_bytes()
            if written != last_good[path] and UNCHANGED_WHEN[path.suffix](written, last_good[path]):
                path.write_bytes(last_good[path])


#: The line ``save_results`` prints: how long the run took (the results file keeps the first run's time).
RUN_TIME_LINE = re.compile(r"this part took \d+ s")


def same_notebook(new: str, old: str) -> bool:
    """Whether two executed notebooks show the same, the line saying how long the run took aside."""
    return RUN_TIME_LINE.sub("", new) == RUN_TIME_LINE.sub("", old)


#: For each kind of file, when a new one says the same as the last good one (which is then kept).
UNCHANGED_WHEN = {".keras": same_keras_model, ".json": same_results}
