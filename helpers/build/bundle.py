"""The series bundle the site offers for download: the parts, ``helpers`` as a wheel, what runs them.

``cnn-vs-dense-series.zip`` unpacks to one folder, ``cnn-vs-dense-series/``: every part as ``notebooks/``
holds it (``.ipynb`` and ``.py``, output-free) and ``profiles.yaml``, the requirements files, a README
(``bundle_template/README.md``: how to install and run, where the data come from, credits and licences)
and the wheel of ``helpers``. The wheel holds the ``helpers`` package only: the parts import nothing from
``helpers.build``, which works on a repository checkout. Installed, ``helpers`` takes the folder it is run
from as the project folder (``helpers/paths.py``), so the unpacked bundle is where a part writes.

Both zips are written here with ``zipfile`` (the wheel too, from ``pyproject.toml``'s name and version:
a wheel is a zip with a ``.dist-info`` folder), members sorted, dated 1980-01-01, mode 0644: the same
sources give the same bytes, as the site's rebuild test requires.
"""

from __future__ import annotations

import base64
import hashlib
import io
import tomllib
import zipfile
from collections.abc import Iterable
from pathlib import Path

from helpers.build.profiles import PROFILES_FILE, part_names
from helpers.paths import NOTEBOOKS, PROJECT_ROOT

FOLDER = "cnn-vs-dense-series"
#: Where the bundle lies in the site (the pages link to it).
SITE_PATH = f"downloads/{FOLDER}.zip"
README = Path(__file__).parent / "bundle_template" / "README.md"
PACKAGE = PROJECT_ROOT / "helpers"
EPOCH = (1980, 1, 1, 0, 0, 0)


def _zip(members: Iterable[tuple[str, bytes]]) -> bytes:
    """A zip of ``(name, content)`` members, sorted by name, with fixed dates and modes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in sorted(members):
            info = zipfile.ZipInfo(name, date_time=EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so that the mode below is read
            info.external_attr = 0o100644 << 16
            archive.writestr(info, content, compresslevel=9)
    return buffer.getvalue()


def _record_hash(content: bytes) -> str:
    """A file's hash as a wheel's RECORD writes it."""
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()


def wheel() -> tuple[str, bytes]:
    """The file name and bytes of a pure-Python wheel of the ``helpers`` package (no ``helpers.build``)."""
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    stem = f"{project['name'].replace('-', '_')}-{project['version']}"
    info = f"{stem}.dist-info"
    files = {f"helpers/{path.name}": path.read_bytes() for path in sorted(PACKAGE.glob("*.py"))}
    files[f"{info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
        f"Summary: {project['description']}\nRequires-Python: {project['requires-python']}\n"
    ).encode()
    files[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: helpers.build.bundle\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    record = [f"{name},{_record_hash(content)},{len(content)}" for name, content in sorted(files.items())]
    files[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    return f"{stem}-py3-none-any.whl", _zip(files.items())


def members() -> dict[str, bytes]:
    """What the bundle holds, by path inside it."""
    wheel_name, wheel_bytes = wheel()
    sources = [NOTEBOOKS / f"{part}{suffix}" for part in part_names() for suffix in (".ipynb", ".py")]
    sources += [PROFILES_FILE, *sorted(PROJECT_ROOT.glob("requirements*.txt"))]
    files = {path.name: path.read_bytes() for path in sources}
    files["README.md"] = README.read_text().replace("{wheel}", wheel_name).encode()
    files[wheel_name] = wheel_bytes
    return {f"{FOLDER}/{name}": content for name, content in files.items()}


def write_bundle(path: Path) -> Path:
    """Write the bundle to ``path`` (its folder must exist) and return ``path``."""
    path.write_bytes(_zip(members().items()))
    return path
