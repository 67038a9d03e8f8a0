"""Files a part writes, made stable: a rebuild that computes the same outputs leaves them byte for byte.

Two kinds of published file carry something that changes from run to run although nothing on the page
does: pyecharts gives each chart page a random element id, and Keras writes the save time into a
``.keras`` archive (``metadata.json``, and the weights entry's time stamp). ``steady`` fixes the first
(the id becomes a digest of the page) and undoes the second (an archive whose contents, other than that
time, equal the last good one's is put back as it was). The executed notebooks are tidied in ``run.tidy``.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

#: The random id pyecharts gives a chart's element (and its JavaScript variables).
CHART_ID = re.compile(r'<div id="([0-9a-f]{32})" class="chart-container"')
#: The member of a ``.keras`` archive that holds the save time.
KERAS_METADATA = "metadata.json"


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
    """A ``.keras`` archive's members other than its metadata; None when ``data`` is not a zip archive."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {name: archive.read(name) for name in archive.namelist() if name != KERAS_METADATA}
    except zipfile.BadZipFile:
        return None


def same_keras_model(new: bytes, old: bytes) -> bool:
    """Whether two ``.keras`` archives hold the same configuration and weights (the save time aside)."""
    contents = _archive_contents(new)
    return contents is not None and contents == _archive_contents(old)


def steady(files: list[Path], last_good: dict[Path, bytes]) -> None:
    """Make the files a run wrote stable against ``last_good`` (their bytes before the run)."""
    for path in files:
        if path.suffix == ".html":
            text = path.read_text()
            steadied = steady_chart_page(text)
            if steadied != text:
                path.write_text(steadied)
        elif path.suffix == ".keras" and path in last_good:
            written = path.read_bytes()
            if written != last_good[path] and same_keras_model(written, last_good[path]):
                path.write_bytes(last_good[path])
