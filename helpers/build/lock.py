"""One build of a profile at a time, per checkout.

The lock is an advisory ``flock`` on ``executed/.<profile>.lock``, which also holds the builder's
pid. The kernel releases a ``flock`` when its holder dies, however it dies, so a lock left by a
killed build is simply taken over (and said so).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class BuildLockedError(SystemExit):
    """Another build of the same profile holds the lock."""


@contextmanager
def build_lock(folder: Path, profile: str) -> Iterator[None]:
    """Hold the build lock of ``profile`` (a file in ``folder``) for the duration of the block."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f".{profile}.lock"
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise BuildLockedError(
                f"another build of {profile} is running (pid {handle.read().strip() or '?'}); wait for it to finish"
            ) from None
        handle.seek(0)
        previous = handle.read().strip()
        if previous and previous != str(os.getpid()) and _is_gone(previous):
            print(f"taking over the lock of an earlier {profile} build (pid {previous}) that did not finish")
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()


def _is_gone(pid: str) -> bool:
    """Whether no process has this pid (any other process, even another user's, counts as present)."""
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, ValueError):
        return False
    return False
