# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python (cnn-vs-dense)
#     language: python
#     name: cnn-vs-dense
# ---

# %% [markdown]
# # Part 3 · Sizing the dense classifier
#
# **What this part shows.** Part 2's network with the hidden layer narrowed: a search over 32, 64,
# 128 and 256 neurons (100 epochs each), then the 128-wide network trained on its own, inspected
# with a test confusion matrix and saved as `MNIST_dense128` for the later parts of the series.
#
# **What it reuses.** Part 2's architecture (dropout 0.2 on the input, 0.5 after the hidden layer);
# the grid runner of `helpers/grid.py`.
#
# **The idea to take away.** Width has diminishing returns: each doubling of a layer buys less
# accuracy for twice the coefficients. Size a layer by where the validation accuracy flattens, not
# by the largest network that fits.
#
# **Run time.** In the box under this header: from scratch, on the machine that built the site. A run
# by hand prints its own at the end.

# %% tags=["parameters"]
profile = "full"  # "full": the tutorial's experiment; "quick": a smoke run on a subset
output_dir = None  # where results go; None: a scratch folder, executed/interactive/
seed = 42
train_size = None  # None: all 60,000 training images
test_size = None  # None: all 10,000 test images
epochs = 100
reruns = 10  # further trainings from other initial weights, to measure run-to-run noise
widths = [32, 64, 128, 256]  # hidden-layer sizes searched
chosen_width = 128  # the width trained, inspected and saved
# How the grid trains. Another layout can move a network's accuracy in its last digits (float sums in
# another order); the grid cache keeps whichever layout trained a network first.
workers = None  # training processes side by side (None: picked for this computer)
models_per_graph = None  # networks trained together in one Keras model (None: picked for this computer)

# %%
# Setup: the libraries this part uses, then the run (its parameters checked, where its outputs go).
from pathlib import Path

import keras
import numpy as np
import pandas as pd
from IPython.display import Markdown
from keras import layers

from helpers import plots
from helpers.grid import cached_fit, run_grid
from helpers.live import LiveMetricsPlot
from helpers.params import start_run
from helpers.results import model_record, save_results
from helpers.retraining import train_reruns
from helpers.saved_models import save_model_files
from helpers.training import (
    compile_classifier,
    dense_kernels,
    evaluate,
    prepare_mnist,
    seed_everything,
)

PART = "03_dense_sized"
run = start_run(
    PART,
    globals(),
    chapter="The original tutorial, retold",
    summary=(
        f"Part 2's network with the hidden layer narrowed: a search over {', '.join(map(str, widths))} neurons "
        f"({epochs} epochs each), then the {chosen_width}-wide network trained on its own, inspected with a "
        f"test confusion matrix and saved as MNIST_dense{chosen_width} for the later parts of the series."
    ),
)
data = prepare_mnist(train_size, test_size)
print(data.describe())


# %% [markdown]
# ## One network per width
#
# The builder below is part 2's network with the width of the hidden layer as its only argument.
# `run_grid` trains one model per width, faster than one `fit` after another without changing what
# is computed: it trains several models side by side in one Keras graph, their losses summed. Adam
# updates each weight from its own gradient only, so every model's training is untouched; the models
# just share each batch and the per-step overhead. (It can also share the grid among worker
# processes.) Each finished model is kept on disk, so an interrupted run resumes where it stopped.
# Every width starts from the same seed and sees the batches in the same order.


# %%
def build_dense(width: int) -> keras.Model:
    """Part 2's network with ``width`` hidden neurons."""
    model = keras.Sequential(
        [
            layers.Input(shape=(28, 28)),
            layers.Flatten(name="flatten"),
            layers.Dropout(0.2, name="dropout_0"),
            layers.Dense(width, activation="relu", name="dense_0"),
            layers.Dropout(0.5, name="dropout_1"),
            layers.Dense(10, activation="softmax", name="dense_1"),
        ],
        name=f"dense_{width}",
    )
    return compile_classifier(model)


# %% tags=["nbval-ignore-output"]
grid = [{"width": width} for width in widths]
trained = run_grid(
    build_dense,
    grid,
    data,
    epochs=epochs,
    seed=seed,
    profile=profile,
    description="widths",
    models_per_graph=models_per_graph,
    workers=workers,
)

# %% tags=["nbval-ignore-output"] caption="Validation (last epoch) and test accuracy against hidden-layer width."
fig = plots.line_with_points(
    widths,
    {
        "validation (last epoch)": [100 * r.val_accuracy for r in trained],
        "test": [100 * r.test_accuracy for r in trained],
    },
    title="Accuracy against the width of the hidden layer",
    x_title="neurons in the hidden layer",
    y_title="accuracy (%)",
)
# %% [markdown]
# Follow the curves from left to right: each doubling of the width buys less accuracy than the one
# before, and the curves flatten towards the widest networks. Past that bend, extra units add
# coefficients that the data cannot put to use. The table gives the numbers.

# %% tags=["nbval-ignore-output"]
widths_table = pd.DataFrame(
    {
        "neurons": [r.point["width"] for r in trained],
        "coefficients": [r.params for r in trained],
        "validation accuracy (%)": [100 * r.val_accuracy for r in trained],
        "test accuracy (%)": [100 * r.test_accuracy for r in trained],
    }
)
plots.styled_table(
    widths_table,
    formats={"coefficients": "{:,}", "validation accuracy (%)": "{:.2f}", "test accuracy (%)": "{:.2f}"},
    text_columns=[],
)

# %% [markdown]
# The table shows what each doubling of the width buys in accuracy and what it costs: the number of
# coefficients roughly doubles every time. Like the original tutorial, the series keeps
# **128 neurons**, a quarter of part 2's coefficients. Measured against the widest network searched:

# %% tags=["remove-input", "nbval-ignore-output"] jupyter={"source_hidden": true}
widest = max(trained, key=lambda r: r.point["width"])
kept = next(r for r in trained if r.point["width"] == chosen_width)
Markdown(
    f"{chosen_width} neurons: **{100 * kept.test_accuracy:.2f} %** on the test set with {kept.params:,} coefficients; "
    f"{widest.point['width']} neurons, the widest searched: **{100 * widest.test_accuracy:.2f} %** with "
    f"{widest.params:,}."
)

# %% [markdown]
# Each width was trained once. A gap of a few tenths of a point between two single trainings can be
# luck; the end of this page measures how much, for the 128-neuron network.
#
# ## The 128-neuron network

# %%
seed_everything(seed)
model = build_dense(chosen_width)
model.summary()

# %% tags=["nbval-ignore-output"] caption="Loss and accuracy per epoch; blue: training, orange: validation."
live = LiveMetricsPlot(epochs=epochs, output_dir=run.output_dir / "charts", chart_name=PART)
history = cached_fit(
    model, data, epochs=epochs, seed=seed, profile=profile, callbacks=[live]
)  # part 1's model.fit(...), same arguments

# %% [markdown]
# The training curves stay on the worse side of the validation ones, lower accuracy and higher loss:
# they are measured with dropout at work (a fifth of the pixels and half of the hidden units switched
# off at every step), while the validation pass runs the whole network. What matters is that the
# validation loss does not climb back up, as part 1's did: with fewer coefficients and the same
# dropout, this network has little room to memorise the training set.

# %% tags=["nbval-ignore-output"] caption="Coefficients of dense_0 and dense_1 of the 128-neuron network, log counts."
test_loss, test_accuracy = evaluate(model, data)
print(f"Dense, {chosen_width} neurons: test accuracy {test_accuracy:.2%}, test loss {test_loss:.4f}")
fig = plots.dense_weight_histograms(dense_kernels(model), title=f"Dense {chosen_width}: coefficients per layer")
# %% [markdown]
# Compare the horizontal axes with part 2's histograms. With a quarter of the hidden units, the
# `dense_0` coefficients reach further from zero: fewer units, each weighted more heavily. The narrow
# peak at zero is still there, as it must be: a pixel that is black in every image gives its weights
# no gradient, whatever the width.
#
# ## Which digits it confuses
#
# Rows are the true digits, columns the predictions. The colour scale stops at the largest number of
# mistakes, so the errors stand out and the diagonal (correct answers) saturates.

# %% tags=["nbval-ignore-output"] caption="Test-set confusion matrix: rows true digits, columns predictions."
predicted = np.argmax(model.predict(data.x_test, batch_size=1024, verbose=0), axis=1)  # the most probable digit
fig = plots.confusion_matrix_figure(data.y_test, predicted, title=f"Dense {chosen_width}: test confusion matrix")

# %% tags=["remove-input", "nbval-ignore-output"] jupyter={"source_hidden": true}
confusions = plots.top_confusions(data.y_test, predicted, count=2)
Markdown(
    "The most frequent mistakes: "
    + "; ".join(f"**{true}** read as **{pred}** ({n} times)" for true, pred, n in confusions)
    + f", out of {len(predicted):,} test images and {int((predicted != data.y_test).sum())} mistakes in all."
)

# %% [markdown]
# Nearly every test image sits on the diagonal. The mistakes are not spread evenly: a few cells,
# such as the two named above, collect many of them, while most others hold a handful or none. They
# pair digits whose shapes share strokes. The matrix need not be symmetric either: how often one
# digit is read as another says little about the reverse mistake. Part 14 shows some of the digits
# this network gets wrong.
#
# ## Saving the model
#
# The follow-up parts of the original series (visualising the dense layers, then geometric
# transformations) reuse this network, so it is saved twice: in Keras's native `.keras` format and
# in the legacy HDF5 `.h5` format the original used.

# %% [markdown]
# ## How much does one training tell?
#
# As in parts 1 and 2, the 128-neuron network is trained `reruns` more times from other initial
# weights, everything else unchanged (part 1 explains how), to see how far luck alone moves its test
# accuracy.

# %% tags=["nbval-ignore-output"] caption="Reruns' test accuracy (dots), the run above (star), their spread (band)."
retrained = train_reruns(
    build_dense,
    data,
    point={"width": chosen_width},
    runs=reruns,
    epochs=epochs,
    seed=seed,
    profile=profile,
)
fig = plots.rerun_spread(
    retrained.test_accuracy,
    first_run=test_accuracy,
    test_images=len(data.y_test),
    title=f"{reruns} more trainings from other initial weights",
)
# %% tags=["remove-input", "nbval-ignore-output"] jupyter={"source_hidden": true}
Markdown(retrained.summary(test_accuracy))

# %% [markdown]
# The shaded band is ±1 standard deviation of the reruns; a star within about two of them is an
# ordinary draw. The black bar is ±1 standard error of a score measured on this many test digits.
# Part 8 compares networks by their reruns' mean and spread, not by the single runs shown above it.

# %% [markdown]
# ## Try it yourself
#
# * Add 16 to `widths` and rerun: where does accuracy start to fall?
# * Set `chosen_width = 64` and run the part by hand: it saves `MNIST_dense64` in
#   `executed/interactive/models/`. Which later parts read `MNIST_dense128`, and what do they say when
#   it is missing?

# %% tags=["plumbing"] jupyter={"source_hidden": true}
saved = save_model_files(model, run.output_dir / "models", f"MNIST_dense{chosen_width}")
models = {
    f"Dense {r.point['width']} (width search)": model_record(
        params=r.params,
        test_accuracy=r.test_accuracy,
        test_loss=r.test_loss,
        epochs=epochs,
        regularization="dropout 0.2 on the input, 0.5 after the hidden layer",
        val_accuracy=r.val_accuracy,
        width=r.point["width"],
    )
    for r in trained
}
models[f"Dense {chosen_width}"] = model_record(
    params=model.count_params(),
    test_accuracy=test_accuracy,
    test_loss=test_loss,
    epochs=epochs,
    regularization="dropout 0.2 on the input, 0.5 after the hidden layer",
    history=history,
    top_confusions=[{"true": t, "predicted": p, "count": n} for t, p, n in confusions],
    saved=[Path(p).name for p in saved],
)
save_results(run, models=models, reruns=retrained.record())
print(f"saved {', '.join(Path(p).name for p in saved)}")
