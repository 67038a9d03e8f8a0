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
# # Part 7 · LeNet with halved dense layers
#
# **What this part shows.** Part 6's regularized LeNet with its two large dense layers halved, from
# 120 and 84 neurons to 60 and 42, trained for 80 epochs and saved as `MNIST_LeNet60`. Dropout lets
# a smaller network keep its accuracy; this part measures how much of it survives with less than half
# the coefficients.
#
# **What it reuses.** The two dropout rates selected in part 6, read from its recorded results; part
# 4's convolutional layers and padded images.
#
# **The idea to take away.** Most of LeNet's coefficients sit in its dense layers, not in its
# convolutions, so that is where a smaller network is cut. Whether the cut costs accuracy is a
# question of the difference against the noise.
#
# **Run time.** In the box under this header: from scratch, on the machine that built the site. A run
# by hand prints its own at the end.

# %% tags=["parameters"]
profile = "full"  # "full": the tutorial's experiment; "quick": a smoke run on a subset
output_dir = None  # where results go; None: a scratch folder, executed/interactive/
seed = 42
train_size = None  # None: all 60,000 training images
test_size = None  # None: all 10,000 test images
epochs = 80
reruns = 10  # further trainings from other initial weights, to measure run-to-run noise

# %%
# Setup: the libraries this part uses, then the run (its parameters checked, where its outputs go).
from pathlib import Path

import keras
from IPython.display import Markdown
from keras import layers

from helpers import plots
from helpers.grid import cached_fit
from helpers.live import LiveMetricsPlot
from helpers.params import start_run
from helpers.results import load_results, model_record, save_results
from helpers.retraining import train_reruns
from helpers.saved_models import save_model_files
from helpers.training import (
    compile_classifier,
    dense_kernels,
    evaluate,
    prepare_mnist,
    seed_everything,
)

PART = "07_lenet_halved"
run = start_run(
    PART,
    globals(),
    chapter="The original tutorial, retold",
    summary=(
        "Part 6's regularized LeNet with its two large dense layers halved, from 120 and 84 neurons to 60 and"
        f" 42, trained for {epochs} epochs and saved as MNIST_LeNet60."
    ),
)
part6 = load_results(run, "06_lenet_dropout_grid")
seed_everything(seed)
data = prepare_mnist(train_size, test_size, pad=True)
print(data.describe())

# %% [markdown]
# ## The dropout rates chosen in part 6

# %% tags=["nbval-ignore-output"]
rate_0, rate_1 = part6["selected"]["point"]["rate_0"], part6["selected"]["point"]["rate_1"]
print(f"dropout before dense_0: {rate_0:g}, before dense_1: {rate_1:g} (part 6, {part6['selected']['rule']})")

# %% [markdown]
# The halved network takes these rates as they are: it gets no grid search of its own.
#
# ## The network
#
# Only the widths of `dense_0` and `dense_1` change. The first dense layer sees the same 576 values
# as before, so halving its width halves its 69,240 coefficients, the largest block of the network.


# %%
def build_lenet_halved(rate_0: float, rate_1: float) -> keras.Model:
    """Part 6's LeNet with dropout ``rate_0`` and ``rate_1`` and its two hidden dense layers halved."""
    return keras.Sequential(
        [
            layers.Input(shape=(32, 32, 1)),
            layers.Conv2D(6, kernel_size=3, activation="relu", name="conv_0"),
            layers.AveragePooling2D(pool_size=2, name="pool_0"),
            layers.Conv2D(16, kernel_size=3, activation="relu", name="conv_1"),
            layers.AveragePooling2D(pool_size=2, name="pool_1"),
            layers.Flatten(name="flatten"),
            layers.Dropout(rate_0, name="dropout_0"),
            layers.Dense(60, activation="relu", name="dense_0"),  # was 120
            layers.Dropout(rate_1, name="dropout_1"),
            layers.Dense(42, activation="relu", name="dense_1"),  # was 84
            layers.Dense(10, activation="softmax", name="dense_2"),
        ],
        name="lenet_halved",
    )


model = build_lenet_halved(rate_0, rate_1)
compile_classifier(model)
model.summary()

# %% tags=["nbval-ignore-output"] caption="Loss and accuracy per epoch; blue: training, orange: validation."
live = LiveMetricsPlot(epochs=epochs, output_dir=run.output_dir / "charts", chart_name=PART)
history = cached_fit(model, data, epochs=epochs, seed=seed, profile=profile, callbacks=[live])

# %% [markdown]
# Set these curves beside part 4's and part 6's. If the validation loss stays flat instead of
# climbing back up after its early minimum, as part 4's did, dropout still holds overfitting back in
# the smaller network; how far the training curves pull ahead of the validation ones late in training
# shows how much of it is left. The test
# accuracy, beside that of part 6's full-size network:

# %% tags=["nbval-ignore-output"]
test_loss, test_accuracy = evaluate(model, data)
full_size = part6["models"]["LeNet, dropout (selected)"]
print(f"halved LeNet: test accuracy {test_accuracy:.2%} with {model.count_params():,} coefficients")
print(f"part 6's selected LeNet: {full_size['test_accuracy']:.2%} with {full_size['params']:,} coefficients")

# %% [markdown]
# Read these two lines with two cautions. The networks were not trained equally long: in the full
# profile this one ran for 80 epochs (the original's schedule for this network) and part 6's for 60,
# so the comparison measures halving and the longer training together. And each number is a single
# training: the end of this page trains the halved network ten more times, and part 8 compares the
# two networks' reruns, not these two lines.
#
# The first convolution, as this network learnt it:

# %% tags=["nbval-ignore-output"] caption="The six 3x3 filters of conv_0; red: positive weight, blue: negative."
fig = plots.conv_kernel_heatmaps(
    model.get_layer("conv_0").get_weights()[0], title="Halved LeNet: first convolution filters"
)
# %% [markdown]
# Only the dense layers behind the convolutions shrank. Set these filters beside part 6's: the same
# kinds of pattern appear, edges and bars in a few orientations, though not all in the same places or
# with the same weights. The first layer still learns the same kinds of detector when the layers that
# read its output are half as wide.
#
# Next, the coefficients of the halved dense layers, counts on a logarithmic scale.

# %% tags=["nbval-ignore-output"] caption="Coefficients of the halved dense_0, dense_1 and dense_2, log counts."
fig = plots.dense_weight_histograms(dense_kernels(model), title="Halved LeNet: coefficients of the dense layers")
# %% [markdown]
# Compare the horizontal axes with part 6's histograms: with half as many units, the coefficients of
# `dense_0` reach further from zero, fewer units each weighted more heavily, as the narrower dense
# network of part 3 did against part 2's. Dropout, again, leaves no spike at zero.
#
# ## Saving the model
#
# Saved in the native `.keras` format and in the legacy `.h5` format of the original, for the later
# parts of the series.

# %% [markdown]
# ## How much does one training tell?
#
# As for every network before it, the halved LeNet is trained `reruns` more times from other initial
# weights, everything else unchanged (part 1 explains how), to see how far luck alone moves its test
# accuracy.

# %% tags=["nbval-ignore-output"] caption="Reruns' test accuracy (dots), the run above (star), their spread (band)."
retrained = train_reruns(
    build_lenet_halved,
    data,
    point={"rate_0": rate_0, "rate_1": rate_1},
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
# * Halve the dense layers again (30 and 21 neurons) and rerun with `epochs = 20`: how many
#   coefficients are left, and what does it cost in accuracy?

# %% tags=["plumbing"] jupyter={"source_hidden": true}
saved = save_model_files(model, run.output_dir / "models", "MNIST_LeNet60")
record = model_record(
    params=model.count_params(),
    test_accuracy=test_accuracy,
    test_loss=test_loss,
    epochs=epochs,
    regularization=f"dropout before the 2 dense layers ({rate_0:g}, {rate_1:g}, from part 6)",
    history=history,
    saved=[Path(p).name for p in saved],
)
save_results(run, models={"LeNet, dropout, halved": record}, reruns=retrained.record())
print(f"saved {', '.join(Path(p).name for p in saved)}")
