"""Writing files so that an interrupted run never leaves a half-written file under the final name, and
setting aside a damaged one so that what reads it can start again."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def atomic_write(path: Path, mode: str = "wb") -> Iterator[IO[Any]]:
    """Yield a temporary file beside ``path``; on success it replaces ``path`` in one rename.

    On any error (or Ctrl-C) the temporary file is removed and ``path``, if it existed, is untouched.
    The file gets the permissions of any other new file (0644 under the usual umask), not
    ``mkstemp``'s private 0600, so a web server running as another user can serve it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(handle, mode) as tmp:
            yield tmp
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp_name, 0o666 & ~current_umask())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def write_json_atomically(data: Any, path: Path) -> None:
    """Write ``data`` as indented JSON through ``atomic_write``: readers never see half a file."""
    with atomic_write(path, "w") as tmp:
        json.dump(data, tmp, indent=2)
        tmp.write("\n")


def current_umask() -> int:
    """The process's umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: What reading a damaged JSON record or ``.npz`` archive raises (JSON errors are ``ValueError``s).
UNREADABLE = (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile)


def set_aside(paths: list[Path], corrupt_dir: Path) -> Path:
    """Move ``paths`` (files or folders) into a new folder under ``corrupt_dir``; return that folder."""
    target = corrupt_dir / time.strftime("%Y%m%d-%H%M%S")
    suffix = 0
    while target.exists():
        suffix += 1
        target = corrupt_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-{suffix}"
    target.mkdir(parents=True)
    for path in paths:
        if path.exists():
            shutil.move(str(path), target / path.name)
    return target
