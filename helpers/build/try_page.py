"""The site's "Try it yourself" page, ``try.html``: both saved networks answering in the reader's browser.

Everything the page knows is written by the site build from the profile's outputs, never by hand, so a
rebuild after the networks change carries the new ones:

* ``try/networks.js``: ``MNIST_dense128`` and ``MNIST_LeNet60`` read from ``executed/<profile>/models/``
  (``.keras``) and exported by ``helpers.build.weights`` (``window.TRY_NETWORKS``). It is a script rather
  than a file the page fetches, so the page also works opened from disk (``file://``, where browsers
  refuse ``fetch``). The page runs them with its own forward pass (``assets/try-networks.js``);
* ``try/map.js``: part 14's UMAP maps of the test digits (``helpers.inspection.load_maps``), for the
  first ``MAP_DIGITS`` test digits and every other one either network gets wrong, each with its label,
  both networks' answers (Keras ``predict`` on the saved files) and its image, all images in one PNG
  sprite carried as a data URI (``window.TRY_MAP``). Left out when part 14 has not recorded its maps;
* in the page itself: the first test digit of each class, to start from, and the accuracy part 11
  measured at every shift, for the line under the sliders.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import jinja2
import keras
import numpy as np
from PIL import Image

from helpers.build.weights import export_network
from helpers.data import load_mnist, pad_to_32, scale_pixels
from helpers.inspection import load_maps
from helpers.params import TEST_IMAGES
from helpers.paths import maps_path, results_path

#: The saved networks the page runs: file name -> the name the page shows.
NETWORKS = {"MNIST_dense128": "dense network", "MNIST_LeNet60": "LeNet"}
#: The names part 11 records them under (``robustness.saved_networks``).
MEASURED_AS = {"MNIST_dense128": "dense", "MNIST_LeNet60": "LeNet"}
SHIFTS_PART = "11_shifts"
MAPS_PART = "14_inside_the_networks"
#: How many test digits the map shows at least (the first ones), besides every digit a network gets wrong.
MAP_DIGITS = 2000
#: Digits per row of the map's image sprite.
SPRITE_COLUMNS = 50


def model_files(executed: Path) -> dict[str, Path]:
    """The ``.keras`` file of each network the page runs, by name."""
    return {name: executed / "models" / f"{name}.keras" for name in NETWORKS}


def keras_inputs(model: keras.Model, images: np.ndarray) -> np.ndarray:
    """28x28 images in [0, 1] as ``model`` reads them: as they are, or padded to 32x32 (LeNet)."""
    return pad_to_32(images) if model.input_shape[1] == 32 else images


def probabilities(model: keras.Model, images: np.ndarray) -> np.ndarray:
    """Keras's softmax outputs for 28x28 images in [0, 1], ``(n, 10)``."""
    return np.asarray(model.predict(keras_inputs(model, images), batch_size=1000, verbose=0))


def _pixels(image: np.ndarray) -> str:
    """A uint8 28x28 image as base64 of its 784 bytes, row by row."""
    return base64.b64encode(np.ascontiguousarray(image, dtype=np.uint8).tobytes()).decode("ascii")


def starters(x_test: np.ndarray, y_test: np.ndarray) -> list[dict[str, Any]]:
    """The first test digit of each class: its label, its index among the test digits and its pixels."""
    firsts = [int(np.flatnonzero(y_test == digit)[0]) for digit in range(10)]
    return [{"label": int(y_test[i]), "index": i, "pixels": _pixels(x_test[i])} for i in firsts]


def shift_measurements(executed: Path) -> dict[str, Any] | None:
    """Part 11's accuracy of each network at every (horizontal, vertical) shift, or None before it ran."""
    path = results_path(executed, SHIFTS_PART)
    if not path.is_file():
        return None
    record = json.loads(path.read_text())
    return {
        "shifts": record["shifts"],
        "digits": record["parameters"]["test_size"] or TEST_IMAGES,
        "accuracy": [[NETWORKS[name], record["shift_grid"][MEASURED_AS[name]]] for name in NETWORKS],  # [dy][dx]
    }


def sprite(images: np.ndarray) -> str:
    """The images (uint8, ``(n, 28, 28)``) tiled ``SPRITE_COLUMNS`` to a row in one PNG, as a data URI.

    The PNG keeps 16 grey levels (4 bits a pixel, about half the bytes of 256): the map only shows these
    digits, the networks never read them.
    """
    rows = -(-len(images) // SPRITE_COLUMNS)
    tiles = np.zeros((rows * SPRITE_COLUMNS, 28, 28), dtype=np.uint8)
    tiles[: len(images)] = np.round(images / 17)
    sheet = tiles.reshape(rows, SPRITE_COLUMNS, 28, 28).transpose(0, 2, 1, 3).reshape(rows * 28, SPRITE_COLUMNS * 28)
    png = Image.fromarray(sheet, mode="P")
    png.putpalette([17 * level for level in range(16) for _ in range(3)])
    buffer = io.BytesIO()
    png.save(buffer, format="PNG", bits=4, compress_level=9)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def map_data(executed: Path, models: dict[str, keras.Model], x_test: np.ndarray, y_test: np.ndarray) -> dict[str, Any]:
    """What the interactive map draws (see the module docstring); part 14's maps must be recorded.

    A map named after a network (part 14's "dense network, dense_0") marks that network's mistakes; any
    other (raw pixels) marks the digits either network gets wrong.
    """
    maps = load_maps(executed, MAPS_PART)
    count = len(next(iter(maps.values())))
    images, labels = x_test[:count], y_test[:count]
    answers = {NETWORKS[name]: probabilities(model, scale_pixels(images)) for name, model in models.items()}
    wrong = {network: p.argmax(axis=1) != labels for network, p in answers.items()}
    either = np.logical_or.reduce(list(wrong.values()))
    shown = np.flatnonzero((np.arange(count) < MAP_DIGITS) | either)

    def marked(name: str) -> list[int]:
        network = next((n for n in wrong if name.startswith(n)), None)
        mistakes = wrong[network] if network else either
        return np.flatnonzero(mistakes[shown]).tolist()

    return {
        "digits": count,
        "sample": MAP_DIGITS,
        "index": shown.tolist(),
        "label": labels[shown].tolist(),
        "answer": {network: p[shown].argmax(axis=1).tolist() for network, p in answers.items()},
        "confidence": {
            network: np.round(100 * p[shown].max(axis=1)).astype(int).tolist() for network, p in answers.items()
        },
        "maps": {
            name: {"points": np.round(coordinates[shown].astype(float), 2).tolist(), "marked": marked(name)}
            for name, coordinates in maps.items()
        },
        "columns": SPRITE_COLUMNS,
        "sprite": sprite(images[shown]),
    }


def _script(path: Path, variable: str, data: Any) -> None:
    """A script that sets ``window.<variable>`` to ``data`` (compact JSON: the same data, the same bytes)."""
    path.write_text(f"window.{variable} = {json.dumps(data, separators=(',', ':'))};\n")


def write_try_page(executed: Path, templates: jinja2.Environment, site: dict[str, Any], staging: Path) -> bool:
    """Write ``try.html`` and ``try/`` into ``staging``; False, writing nothing, when a saved network is missing."""
    files = model_files(executed)
    if not all(path.is_file() for path in files.values()):
        return False
    models = {name: keras.models.load_model(path) for name, path in files.items()}
    _, (x_test, y_test) = load_mnist(allow_download=False)
    (staging / "try").mkdir()
    _script(
        staging / "try" / "networks.js", "TRY_NETWORKS", {NETWORKS[n]: export_network(m) for n, m in models.items()}
    )
    has_map = maps_path(executed, MAPS_PART).is_file()
    if has_map:
        _script(staging / "try" / "map.js", "TRY_MAP", map_data(executed, models, x_test, y_test))
    page = {"starters": starters(x_test, y_test), "shifts": shift_measurements(executed)}
    (staging / "try.html").write_text(
        templates.get_template("try.html.j2").render(site=site, page=page, has_map=has_map, networks=NETWORKS)
    )
    return True
