"""Several models trained as one Keras model: how the grid runner fills a core with small networks.

``build_side_by_side(models)`` puts the models on a shared input, one output each (``m0``..``mK``),
and compiles the whole with the series' settings and one loss per output, summed. Adam updates each
weight from its own gradient and moments only, and the gradient of a sum with respect to one model's
weights is that model's own gradient, so this is exactly ``len(models)`` independent trainings
(``tests/test_grid.py`` checks it weight for weight); the models merely share each batch and the
per-step overhead of Keras. ``split_history`` gives every model back its own curves.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from helpers.training import METRICS, make_loss, make_optimizer, use_xla


def build_side_by_side(models: Sequence[keras.Model], input_shape: tuple[int, ...]) -> keras.Model:
    """One compiled Keras model with ``len(models)`` outputs, ``m0``..``mK``: the given models on a shared input."""
    inputs = keras.Input(input_shape)
    # Fresh functional wrappers share each model's layers and weights but get unique names m0..mK.
    wrapped = [keras.Model(model.inputs, model.outputs, name=f"m{k}") for k, model in enumerate(models)]
    side_by_side = keras.Model(inputs, [model(inputs) for model in wrapped])
    side_by_side.compile(
        optimizer=make_optimizer(),
        loss={f"m{k}": make_loss() for k in range(len(models))},
        # Each output also reports its loss as the metric ``xent``, which (unlike Keras's ``loss``) leaves
        # out the weight penalties, so ``split_history`` can give every model its own curves.
        metrics={
            f"m{k}": [*METRICS, keras.metrics.SparseCategoricalCrossentropy(name="xent")] for k in range(len(models))
        },
        jit_compile=use_xla(),
    )
    return side_by_side


def split_history(history: dict[str, list[float]], count: int, penalties: list[float]) -> list[dict[str, list[float]]]:
    """Per-model histories with Keras's own keys (``loss``, ``accuracy``, ``val_*``).

    A side-by-side model logs each model's cross-entropy as the metric ``m<k>_xent``; a single model's
    ``loss`` also counts its weight penalties. ``penalties`` holds each model's penalty at the end
    of training, added to the logged cross-entropy so the curves mean what a single fit's would.
    """
    histories = []
    for k in range(count):
        entry = {}
        output = f"m{k}_" if count > 1 else ""  # Keras prefixes metric names only when outputs are several
        for split in ("", "val_"):
            entry[f"{split}loss"] = [float(v) + penalties[k] for v in history[f"{split}{output}xent"]]
            entry[f"{split}accuracy"] = [float(v) for v in history[f"{split}{output}accuracy"]]
        histories.append(entry)
    return histories


def penalty(model: keras.Model) -> float:
    """The model's weight penalty (L1, L2) at its current weights; 0 without regularisers."""
    return float(sum(keras.ops.convert_to_numpy(loss) for loss in model.losses)) if model.losses else 0.0
