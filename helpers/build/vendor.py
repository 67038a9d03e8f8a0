"""Third-party files the site ships: Apache ECharts, which draws tensorview's interactive training charts.

The files are committed under ``helpers/build/third_party/<package>-<version>/``, so the site builds
offline from a clean clone with no registry in the loop, and every build checks them against the
SHA-256 digests pinned here before copying them into ``site/vendor/``. To fetch them again (or after
changing the pin): ``python -m helpers.build.vendor``, which downloads the package's tarball from the
npm registry with ``npm pack``, checks it against npm's pinned sha512 integrity, and rewrites the
committed copies.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

THIRD_PARTY = Path(__file__).parent / "third_party"


@dataclass(frozen=True)
class Vendored:
    """One npm package, pinned: the tarball's integrity and the digest of each file taken from it."""

    package: str
    version: str
    license: str
    integrity: str  # npm's dist.integrity of the tarball
    files: dict[str, str]  # path inside the tarball's package/ folder -> SHA-256 of its content

    @property
    def name(self) -> str:
        return f"{self.package}-{self.version}"

    @property
    def folder(self) -> Path:
        return THIRD_PARTY / self.name


ECHARTS = Vendored(
    package="echarts",
    version="6.0.0",  # the version pyecharts 2.1.0 loads from its CDN (assets/v6)
    license="Apache-2.0",
    integrity="sha512-Tte/grDQRiETQP4xz3iZWSvoHrkCQtwqd6hs+mifXcjrCuo2iKWbajFObuLJVBlDIJlOzgQPd1hsaKt/3+OMkQ==",
    files={
        "dist/echarts.min.js": "baa8dfe7e1d9336b98e8986ba7e20ea15e7cdbea1ef42a59d59478632fa45a1d",
        "LICENSE": "634293835b43a6dd2094fa39182a3d9a6b9ca43b7fdb9ac354e8037af2a3093a",
        "NOTICE": "dc0d9176413c3d96d0ac40b39b1dbb11e3043b7b010be560f5dfe66bd3774ae1",
    },
)


def install(vendored: Vendored, site: Path) -> Path:
    """Copy the checked files of ``vendored`` into ``site/vendor/<package>-<version>/``; return that folder."""
    target = site / "vendor" / vendored.name
    target.mkdir(parents=True, exist_ok=True)
    for member, digest in vendored.files.items():
        source = vendored.folder / Path(member).name
        if not source.is_file() or hashlib.sha256(source.read_bytes()).hexdigest() != digest:
            raise SystemExit(
                f"{source} is missing or differs from its pinned SHA-256: run `python -m helpers.build.vendor`"
            )
        shutil.copyfile(source, target / source.name)
    return target


def fetch(vendored: Vendored) -> None:
    """Download ``vendored`` from the npm registry, check it, and rewrite its committed files."""
    with tempfile.TemporaryDirectory() as tmp:
        spec = f"{vendored.package}@{vendored.version}"
        subprocess.run(["npm", "pack", spec, "--pack-destination", tmp], check=True, stdout=subprocess.DEVNULL)
        tarball = Path(tmp) / f"{vendored.name}.tgz"
        algorithm, expected = vendored.integrity.split("-", 1)
        actual = base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode()
        if actual != expected:
            raise SystemExit(f"{tarball.name}: {algorithm} {actual} differs from the pinned integrity {expected}")
        vendored.folder.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarball) as archive:
            for member, digest in vendored.files.items():
                content = archive.extractfile(f"package/{member}").read()
                if hashlib.sha256(content).hexdigest() != digest:
                    raise SystemExit(f"{spec}: {member} differs from its pinned SHA-256 {digest}")
                (vendored.folder / Path(member).name).write_bytes(content)
    print(f"{spec} ({vendored.license}) written to {vendored.folder}")


if __name__ == "__main__":
    fetch(ECHARTS)
