"""Distorted digits and how well a network still reads them (parts 11-13, "Looking closer").

The transforms act on 28x28 images scaled to [0, 1] (white ink on black), shaped ``(n, 28, 28)``, and
always return new float32 arrays of the same shape, clipped to [0, 1], with black (0) wherever no
pixel of the original lands. A network that expects 32x32 inputs (LeNet) gets the transformed 28x28
image padded afterwards (``Network``), so both networks of a comparison see exactly the same digits.

* ``shift``: whole pixels, right and down positive; ink pushed past the frame is lost.
* ``rotate`` and ``rescale``: about each digit's centre of mass (the point MNIST centred the digits
  on), bilinear interpolation, so the digit stays where it was and only turns or grows.
* ``add_noise``: Gaussian noise of standard deviation ``sigma``, clipped (or not), drawn from a seed;
  ``brighten`` adds one constant to every pixel, the mean brightening clipped noise brings
  (``noise_brightness``).
* ``occlude``: a black square of ``size`` pixels centred on one stroke pixel per digit, drawn from a
  seed (``occlusion_centres``), the same centre at every size.
* ``invert``: black ink on white.

The measurements return per-image correctness (booleans) so that every accuracy comes with its
confidence interval and two networks can be compared on the same images (``helpers.statistics``:
``accuracy_interval``, ``paired_difference``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import keras
import numpy as np
from scipy import ndimage

from helpers.data import pad_to_32
from helpers.params import Run
from helpers.saved_models import load_saved_model

#: z of a two-sided 95 % normal interval.
#: Pixels brighter than this count as ink (stroke) when a position must fall on the digit.
INK = 0.5


def _checked(images: np.ndarray) -> np.ndarray:
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 3:
        raise ValueError(f"expected images shaped (n, height, width), got {images.shape}")
    return images


def shift(images: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """Move every image ``dx`` pixels right and ``dy`` down (negative: left, up), filling with black."""
    images = _checked(images)
    if int(dx) != dx or int(dy) != dy:
        raise ValueError(f"shifts are whole pixels, got dx={dx}, dy={dy}")
    dx, dy = int(dx), int(dy)
    out = np.zeros_like(images)
    height, width = images.shape[1:]
    if abs(dx) >= width or abs(dy) >= height:
        return out
    source_rows = slice(max(0, -dy), height - max(0, dy))
    source_cols = slice(max(0, -dx), width - max(0, dx))
    target_rows = slice(max(0, dy), height - max(0, -dy))
    target_cols = slice(max(0, dx), width - max(0, -dx))
    out[:, target_rows, target_cols] = images[:, source_rows, source_cols]
    return out


def ink_kept(images: np.ndarray, dx: int, dy: int) -> float:
    """The fraction of all the ink of ``images`` still inside the frame after ``shift(images, dx, dy)``."""
    images = _checked(images)
    return float(shift(images, dx, dy).sum() / images.sum())


def centres_of_mass(images: np.ndarray) -> np.ndarray:
    """Each image's centre of mass of ink as ``(row, column)``, shape ``(n, 2)`` (the frame centre if blank)."""
    images = _checked(images)
    height, width = images.shape[1:]
    mass = images.sum(axis=(1, 2))
    rows = (images.sum(axis=2) * np.arange(height)).sum(axis=1)
    cols = (images.sum(axis=1) * np.arange(width)).sum(axis=1)
    centre = np.array([(height - 1) / 2, (width - 1) / 2])
    safe = np.where(mass > 0, mass, 1.0)
    found = np.stack([rows / safe, cols / safe], axis=1)
    return np.where((mass > 0)[:, None], found, centre)


def _warp(images: np.ndarray, inverse: np.ndarray) -> np.ndarray:
    """Resample each image through ``inverse`` (2x2, output offset -> input offset) about its centre of mass."""
    images = _checked(images)
    n, height, width = images.shape
    centres = centres_of_mass(images)
    rows, cols = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    offsets = np.stack([rows.ravel(), cols.ravel()])  # (2, pixels)
    out = np.empty_like(images)
    for k in range(n):
        source = inverse @ (offsets - centres[k][:, None]) + centres[k][:, None]
        out[k] = ndimage.map_coordinates(images[k], source, order=1, mode="constant", cval=0.0).reshape(height, width)
    return np.clip(out, 0.0, 1.0)


def rotate(images: np.ndarray, degrees: float) -> np.ndarray:
    """Turn each digit ``degrees`` anticlockwise (as seen on screen) about its centre of mass."""
    angle = np.deg2rad(degrees)
    # (row, column) with rows pointing down: an anticlockwise turn on screen is this matrix's inverse.
    inverse = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
    return _warp(images, inverse)


def rescale(images: np.ndarray, factor: float) -> np.ndarray:
    """Grow (``factor`` > 1) or shrink each digit about its centre of mass; the frame stays 28x28."""
    if factor <= 0:
        raise ValueError(f"a scale factor is positive, got {factor}")
    return _warp(images, np.eye(2) / factor)


def add_noise(images: np.ndarray, sigma: float, seed: int, *, clip: bool = True) -> np.ndarray:
    """Add Gaussian noise of standard deviation ``sigma`` (on the [0, 1] pixel scale), then clip to [0, 1].

    With ``clip=False`` the noise stays zero-mean: pixels may leave [0, 1] (the networks take any number),
    and the image's mean brightness does not change on average."""
    images = _checked(images)
    if sigma < 0:
        raise ValueError(f"sigma is at least 0, got {sigma}")
    noise = np.random.default_rng(seed).normal(0.0, sigma, size=images.shape).astype(np.float32)
    return np.clip(images + noise, 0.0, 1.0) if clip else images + noise


def brighten(images: np.ndarray, offset: float) -> np.ndarray:
    """Add the same ``offset`` to every pixel, then clip to [0, 1]: a grey veil, with no noise."""
    return np.clip(_checked(images) + np.float32(offset), 0.0, 1.0)


def noise_brightness(images: np.ndarray, sigma: float, seed: int) -> float:
    """How much clipped noise of ``sigma`` brightens ``images`` on average: the mean pixel change it makes.

    On a black background clipping keeps only the positive half of the noise, so the mean rises by about
    ``0.4 sigma`` there (the mean of a half-normal is ``sigma * sqrt(2 / pi)``, halved)."""
    return float((add_noise(images, sigma, seed) - _checked(images)).mean())


def occlusion_centres(images: np.ndarray, seed: int) -> np.ndarray:
    """One stroke pixel per image, ``(row, column)``, drawn at random from a seed (the frame centre if blank)."""
    images = _checked(images)
    rng = np.random.default_rng(seed)
    height, width = images.shape[1:]
    centres = np.empty((len(images), 2), dtype=int)
    for k, image in enumerate(images):
        rows, cols = np.nonzero(image > INK)
        if len(rows) == 0:
            centres[k] = (height // 2, width // 2)
        else:
            pick = rng.integers(len(rows))
            centres[k] = (rows[pick], cols[pick])
    return centres


def occlude(images: np.ndarray, size: int, centres: np.ndarray) -> np.ndarray:
    """Black out a ``size`` x ``size`` square around each image's centre (cut off at the frame's edge)."""
    images = _checked(images)
    out = images.copy()
    if size <= 0:
        return out
    before = size // 2  # an even square has its centre pixel just right of and below the middle
    for k, (row, col) in enumerate(centres):
        top, left = row - before, col - before
        # slices stop at the frame by themselves; a start above or left of it is clamped to 0
        out[k, max(0, top) : max(0, top + size), max(0, left) : max(0, left + size)] = 0.0
    return out


def invert(images: np.ndarray) -> np.ndarray:
    """Black ink on a white background: ``1 - x``."""
    return 1.0 - _checked(images)


@dataclass(frozen=True)
class Network:
    """A trained classifier and what it needs from a 28x28 digit: the image as is, or padded to 32x32."""

    name: str
    model: keras.Model
    padded: bool

    def inputs(self, images: np.ndarray) -> np.ndarray:
        """``images`` (``(n, 28, 28)``) as this network's input."""
        images = _checked(images)
        return pad_to_32(images) if self.padded else images

    def probabilities(self, images: np.ndarray, batch_size: int = 2048) -> np.ndarray:
        """Softmax outputs, ``(n, 10)``."""
        return np.asarray(self.model.predict(self.inputs(images), batch_size=batch_size, verbose=0))

    def correct(self, images: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Whether each image is classified right (booleans)."""
        return self.probabilities(images).argmax(axis=1) == np.asarray(labels)


def saved_networks(run: Run) -> tuple[Network, Network]:
    """The two networks the series saves, read back from their ``.h5`` files: part 3's ``MNIST_dense128``
    (28x28 inputs) and part 7's ``MNIST_LeNet60`` (padded to 32x32), named ``dense`` and ``LeNet``."""
    return (
        Network("dense", load_saved_model(run, "MNIST_dense128"), padded=False),
        Network("LeNet", load_saved_model(run, "MNIST_LeNet60"), padded=True),
    )


@dataclass(frozen=True)
class Distortion:
    """One kind of distortion, swept over strengths: how to apply it and how figures label it."""

    apply: Callable[[np.ndarray, float, int], np.ndarray]  # (images, strength, seed) -> distorted images
    axis: str  # what a strength means, for a figure's x axis
    label: Callable[[float], str]  # one strength as the example figures write it

    def at(self, seed: int) -> Callable[[np.ndarray, float], np.ndarray]:
        """The distortion as a function of (images, strength), its random draws fixed by ``seed``."""
        return lambda images, strength: self.apply(images, strength, seed)


#: The distortions besides shifts, each applied to the 28x28 digits (see the module doc).
DISTORTIONS: dict[str, Distortion] = {
    "rotation": Distortion(
        lambda im, a, _: rotate(im, a), "rotation (degrees, + = anticlockwise)", lambda a: f"{a:g}°"
    ),
    "scale": Distortion(lambda im, f, _: rescale(im, f), "size factor", lambda f: f"×{f:g}"),
    "noise": Distortion(add_noise, "noise σ (pixel scale 0..1)", lambda s: f"σ = {s:g}"),
    "occlusion": Distortion(
        lambda im, size, seed: occlude(im, int(size), occlusion_centres(im, seed)),
        "side of the black square (pixels)",
        lambda s: f"{s:g} px",
    ),
    "inversion": Distortion(
        lambda im, on, _: invert(im) if on else im, "", lambda on: "inverted" if on else "original"
    ),
}


def at_strength(correct: np.ndarray, strengths: Sequence[float], strength: float) -> np.ndarray:
    """The row of a sweep's correctness ``(len(strengths), n)`` measured at ``strength``."""
    return correct[[float(s) for s in strengths].index(float(strength))]


#: How many distorted images are scored in one call of a network (large calls amortise Keras's overhead).
CHUNK = 40_000


def score_sets(
    networks: Sequence[Network], image_sets: Iterable[np.ndarray], labels: np.ndarray
) -> dict[str, np.ndarray]:
    """Per network, correctness ``(sets, n)`` of each set of ``n`` images (all labelled ``labels``).

    The sets are made one at a time and scored in chunks of about ``CHUNK`` images, every network on
    the same images.
    """
    labels = np.asarray(labels)
    scores: dict[str, list[np.ndarray]] = {net.name: [] for net in networks}
    pending: list[np.ndarray] = []

    def flush() -> None:
        if pending:
            batch = np.concatenate(pending)
            for net in networks:
                scores[net.name].append(net.correct(batch, np.tile(labels, len(pending))).reshape(len(pending), -1))
            pending.clear()

    for images in image_sets:
        pending.append(_checked(images))
        if len(pending) * len(labels) >= CHUNK:
            flush()
    flush()
    return {name: np.concatenate(parts) for name, parts in scores.items()}


def sweep(
    networks: Sequence[Network],
    images: np.ndarray,
    labels: np.ndarray,
    distort: Callable[[np.ndarray, float], np.ndarray],
    strengths: Sequence[float],
) -> dict[str, np.ndarray]:
    """Per network, correctness ``(len(strengths), n)`` of ``distort(images, s)`` for each strength ``s``."""
    return score_sets(networks, (distort(images, s) for s in strengths), labels)


def shift_grid(
    networks: Sequence[Network], images: np.ndarray, labels: np.ndarray, shifts: Sequence[int]
) -> dict[str, np.ndarray]:
    """Per network, correctness ``(rows dy, columns dx, n)`` for every pair of shifts in ``shifts``."""
    moved = (shift(images, dx, dy) for dy in shifts for dx in shifts)
    scores = score_sets(networks, moved, labels)
    return {name: correct.reshape(len(shifts), len(shifts), -1) for name, correct in scores.items()}


def tolerance(strengths: Sequence[float], accuracy: Sequence[float], level: float) -> float | None:
    """The largest strength up to which accuracy never drops below ``level``, walking out from the weakest.

    ``strengths`` may run on both sides of 0 (e.g. shifts -6..6): they are walked by magnitude, and
    the answer is the last magnitude at which every strength of that magnitude or less still reaches
    ``level``. ``None`` when even the weakest setting is below it.
    """
    magnitudes = np.abs(np.asarray(strengths, dtype=float))
    accuracy = np.asarray(accuracy, dtype=float)
    reached = None
    for magnitude in np.unique(magnitudes):
        if np.all(accuracy[magnitudes <= magnitude] >= level):
            reached = float(magnitude)
        else:
            break
    return reached


def feature_maps(model: keras.Model, layer_names: Sequence[str]) -> keras.Model:
    """A model from ``model``'s input to the outputs of the named layers."""
    return keras.Model(model.inputs[0], [model.get_layer(name).output for name in layer_names])


def shift_maps(maps: np.ndarray, dx: int, dy: int, fill: np.ndarray) -> np.ndarray:
    """Shift ``(n, h, w, channels)`` feature maps by whole cells, filling vacated cells with ``fill`` (per channel)."""
    height, width = maps.shape[1:3]
    out = np.broadcast_to(np.asarray(fill, dtype=maps.dtype), maps.shape).copy()
    if abs(dx) >= width or abs(dy) >= height:
        return out
    out[:, max(0, dy) : height - max(0, -dy), max(0, dx) : width - max(0, -dx)] = maps[
        :, max(0, -dy) : height - max(0, dy), max(0, -dx) : width - max(0, dx)
    ]
    return out


def equivariance_error(
    stages: keras.Model, images: np.ndarray, dx: int, dy: int, strides: Sequence[int]
) -> list[float]:
    """For each output of ``stages`` (a ``feature_maps`` model of a 32x32 network): how far the maps of the
    shifted digits are from the original digits' maps shifted by the same amount.

    A stage whose cells are ``stride`` input pixels apart can follow a shift of ``d`` pixels exactly only
    when ``stride`` divides ``d``; otherwise the original maps are shifted by the nearest whole number of
    cells. Vacated cells take the stage's response to a blank image (what the shifted input shows there).
    The error is ``|F(shifted) - shifted F| / |F(digit) - F(blank)|``, summed over all images: 0 for a
    perfectly equivariant stage. A flat (non-spatial) output, e.g. a dense layer, cannot follow a shift
    at all and is compared unshifted: ``|F(shifted) - F(digit)| / |F(digit) - F(blank)|``.
    """
    return _relative_errors(stages, images, dx, dy, strides)


def invariance_error(stages: keras.Model, images: np.ndarray, dx: int, dy: int) -> list[float]:
    """For each output of ``stages``: how much it changes when the digits shift, on ``equivariance_error``'s
    scale: ``|F(shifted) - F(digit)| / |F(digit) - F(blank)|``. 0 for a stage whose output ignores the shift;
    the same measure for maps and flat outputs, so every stage can be compared with every other."""
    return _relative_errors(stages, images, dx, dy, None)


def _relative_errors(
    stages: keras.Model, images: np.ndarray, dx: int, dy: int, strides: Sequence[int] | None
) -> list[float]:
    """``equivariance_error`` with ``strides``, ``invariance_error`` with ``None`` (no output is moved)."""
    images = _checked(images)
    padded = pad_to_32(images)
    blank = np.zeros((1, *padded.shape[1:]), dtype=np.float32)
    original, moved, empty = (
        _as_list(stages(x, training=False)) for x in (padded, pad_to_32(shift(images, dx, dy)), blank)
    )
    errors = []
    for index, (before, after, background) in enumerate(zip(original, moved, empty, strict=True)):
        before, after, background = (np.asarray(a) for a in (before, after, background))
        signal = np.linalg.norm(before - background)
        if strides is not None and before.ndim == 4:
            stride = strides[index]
            cells_x, cells_y = int(np.floor(dx / stride + 0.5)), int(np.floor(dy / stride + 0.5))
            expected = shift_maps(before, cells_x, cells_y, background[0, 0, 0])
        else:
            expected = before
        errors.append(float(np.linalg.norm(after - expected) / signal))
    return errors


def _as_list(outputs: object) -> list:
    return list(outputs) if isinstance(outputs, list | tuple) else [outputs]


def stays_whole(images: np.ndarray, max_dx: int, max_dy: int = 0) -> np.ndarray:
    """Which images keep all their ink in the frame under every shift up to ``max_dx`` and ``max_dy`` pixels."""
    images = _checked(images)
    ink = images > 0
    columns, rows = ink.any(axis=1), ink.any(axis=2)
    height, width = images.shape[1:]
    clear_x = ~columns[:, :max_dx].any(axis=1) & ~columns[:, width - max_dx :].any(axis=1) if max_dx else True
    clear_y = ~rows[:, :max_dy].any(axis=1) & ~rows[:, height - max_dy :].any(axis=1) if max_dy else True
    return np.broadcast_to(np.logical_and(clear_x, clear_y), (len(images),)).copy()
