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
# # Part 4 · LeNet, the convolutional network
#
# **What this part shows.** A LeNet-5 style network with ReLU activations, trained for 60 epochs: two
# convolution + average-pooling stages followed by three dense layers. It has a fifth of the
# coefficients of part 1's dense network, and the comparison of their accuracies is the heart of the
# series. The same network is then retrained from other initial weights, to measure how far one
# training's accuracy is from another's; every headline network of the series gets the same
# treatment.
#
# **What it reuses.** The data and training settings of parts 1-3; the images are zero-padded from
# 28x28 to 32x32 pixels, the input size LeNet was designed for.
#
# **The idea to take away.** A convolution applies the same few weights at every position of the
# image, so it can see more with far fewer coefficients than a dense layer. And one training is one
# draw: only retraining tells how far its accuracy could move.
#
# **Run time.** In the box under this header: from scratch, on the machine that built the site. A run
# by hand prints its own at the end.

# %% tags=["parameters"]
profile = "full"  # "full": the tutorial's experiment; "quick": a smoke run on a subset
output_dir = None  # where results go; None: a scratch folder, executed/interactive/
seed = 42
train_size = None  # None: all 60,000 training images
test_size = None  # None: all 10,000 test images
epochs = 60
reruns = 10  # further trainings from other initial weights, to measure run-to-run noise

# %%
# Setup: the libraries this part uses, then the run (its parameters checked, where its outputs go).
import keras
import numpy as np
from IPython.display import Markdown
from keras import layers

from helpers import claims, plots
from helpers.grid import cached_fit
from helpers.live import LiveMetricsPlot
from helpers.params import start_run
from helpers.results import model_record, save_results
from helpers.retraining import train_reruns
from helpers.training import (
    BATCH_SIZE,
    VALIDATION_SPLIT,
    Mnist,
    check_series_settings,
    dense_kernels,
    evaluate,
    prepare_mnist,
)

PART = "04_lenet"
run = start_run(
    PART,
    globals(),
    chapter="The original tutorial, retold",
    summary=(
        f"A LeNet-5 style network with ReLU activations, trained for {epochs} epochs: two convolution + "
        "average-pooling stages followed by three dense layers."
    ),
)

# %% [markdown]
# ## Padded images
#
# LeCun's LeNet-5 reads 32x32 images with 5x5 filters and no padding of its own, so its first
# convolution trims two pixels off every border: that is why MNIST's 28x28 digits are padded with two
# rows and columns of zeros on each side, keeping strokes near the edge fully under the filters. The
# original tutorial keeps the 32x32 input but uses 3x3 filters, and this series follows it: each of
# its convolutions trims one pixel off every border.
#
# A convolution layer also wants to know how many values each pixel holds, its *channels*: one for
# grey-scale, three for colour. The images gain that axis of length 1, then the border: `np.pad`
# takes one (before, after) pair per axis, and only the rows and columns get zeros. Loading and
# scaling are part 1's, through `prepare_mnist`.

# %%
digits = prepare_mnist(train_size, test_size)  # part 1's loading and scaling: (n, 28, 28), values in [0, 1]
border = ((0, 0), (2, 2), (2, 2), (0, 0))  # images, rows, columns, channels
x_train = np.pad(digits.x_train[..., np.newaxis], border)  # (n, 28, 28) -> (n, 28, 28, 1) -> (n, 32, 32, 1)
x_test = np.pad(digits.x_test[..., np.newaxis], border)
data = Mnist(x_train, digits.y_train, x_test, digits.y_test)
print(data.describe())

# %% jupyter={"source_hidden": true} tags=["plumbing"]
# Later parts call prepare_mnist(..., pad=True): it must prepare exactly these arrays.
assert data.equals(prepare_mnist(train_size, test_size, pad=True)), "prepare_mnist(pad=True) differs from part 4"


# %% [markdown]
# ## The network
#
# * **Convolution 1:** 6 filters of 3x3 pixels slide over the 32x32 image, giving six 30x30 feature
#   maps. Each output value reads only the 9 pixels under the filter (locality), and each filter's 9
#   weights and bias are shared by every position of the image (weight sharing): together they make
#   convolutional layers far smaller than dense ones. Part 9 writes this layer out as the dense layer
#   it is, with most of its weights zero and the rest shared, and counts what each of the two saves.
# * **Average pooling:** replaces each 2x2 block of a map by the average of its four values, halving
#   each map to 15x15.
# * **Convolution 2:** 16 filters of 3x3x6 give sixteen 13x13 maps; pooling halves them to 6x6.
# * **Dense layers:** the 6x6x16 = 576 values are flattened and classified by dense layers of 120, 84
#   and 10 neurons. They hold most of the coefficients.

# %%
def build_lenet() -> keras.Model:
    """LeNet-5 as the original tutorial has it: 3x3 filters, ReLU, average pooling."""
    return keras.Sequential(
        [
            layers.Input(shape=(32, 32, 1)),
            layers.Conv2D(6, kernel_size=3, activation="relu", name="conv_0"),
            layers.AveragePooling2D(pool_size=2, name="pool_0"),
            layers.Conv2D(16, kernel_size=3, activation="relu", name="conv_1"),
            layers.AveragePooling2D(pool_size=2, name="pool_1"),
            layers.Flatten(name="flatten"),
            layers.Dense(120, activation="relu", name="dense_0"),
            layers.Dense(84, activation="relu", name="dense_1"),
            layers.Dense(10, activation="softmax", name="dense_2"),
        ],
        name="lenet",
    )


model = build_lenet()
model.summary()

# %% [markdown]
# Drawn as the data flows through it, the maps shrink as they deepen: 32x32 pixels become six 30x30
# maps, pooled to 15x15, then sixteen 13x13 maps pooled to 6x6, laid out flat as 576 numbers for the
# three dense layers. Part 1's diagram had two boxes with coefficients; here the two convolutions hold
# very few, and most sit in `dense_0`.

# %% tags=["nbval-ignore-output"]
fig = plots.network_diagram(model, title="LeNet: 32x32 pixels in, 10 probabilities out")

# %% [markdown]
# Training is part 1's, argument for argument: Adam with its default learning rate, the sparse
# cross-entropy of the integer labels, batches of 128 and the last 10 % of the training images held
# out for validation. Only the model (convolutions, and no dropout), its input (the digits padded to
# 32x32) and the number of epochs (60 against 100) change, so any difference from the dense network
# comes from those, not from the training settings. The other parts call these two steps through
# `compile_classifier` and `fit` in `helpers/training.py`, which hold exactly these settings.

# %%
model.compile(
    optimizer=keras.optimizers.Adam(),
    loss=keras.losses.SparseCategoricalCrossentropy(),
    metrics=["accuracy"],
)

# %% jupyter={"source_hidden": true} tags=["plumbing"]
check_series_settings(model)

# %% tags=["nbval-ignore-output"]
live = LiveMetricsPlot(epochs=epochs, output_dir=run.output_dir / "charts", chart_name=PART)


def train(model: keras.Model) -> dict[str, list[float]]:
    """The training itself: Keras's fit, with the live chart as its callback."""
    fitted = model.fit(
        data.x_train,
        data.y_train,
        epochs=epochs,
        batch_size=BATCH_SIZE,
        validation_split=VALIDATION_SPLIT,
        callbacks=[live],
        verbose=0,  # the live chart replaces Keras's progress bar
    )
    return fitted.history


history = cached_fit(model, data, epochs=epochs, seed=seed, profile=profile, callbacks=[live], train=train)

# %% [markdown]
# Without any regularization, LeNet is also free to overfit. The numbers at the end of training:

# %% tags=["nbval-ignore-output"]
test_loss, test_accuracy = evaluate(model, data)
print(f"LeNet: test accuracy {test_accuracy:.2%}, test loss {test_loss:.4f}")
print(f"final training accuracy {history['accuracy'][-1]:.2%}, training loss {history['loss'][-1]:.4f}")

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
val_loss, val_accuracy = history["val_loss"], history["val_accuracy"]
lowest = val_loss.index(min(val_loss)) + 1
Markdown(
    claims.state(
        "lenet_learns_training_images_by_heart",
        history["accuracy"][-1] >= 0.999,
        f"The training accuracy reaches {history['accuracy'][-1]:.2%}, with a training loss of "
        f"{history['loss'][-1]:.1e}: LeNet has learnt its training images by heart.",
        f"The training accuracy reaches {history['accuracy'][-1]:.2%}, with a training loss of "
        f"{history['loss'][-1]:.1e}.",
    )
    + " "
    + claims.state(
        "lenet_validation_loss_rises_while_accuracy_holds",
        val_loss[-1] > 1.5 * min(val_loss) and val_accuracy[-1] >= val_accuracy[lowest - 1],
        f"Its validation loss bottoms out at {min(val_loss):.4f} at epoch {lowest} of {epochs} and ends "
        f"{val_loss[-1] / min(val_loss):.1f} times as high, while the validation accuracy goes from "
        f"{val_accuracy[lowest - 1]:.2%} to {val_accuracy[-1]:.2%}: the network gets no fewer of the held-out "
        "digits right, while the probability it gives their correct class drops on some of them.",
        f"Its validation loss is lowest at epoch {lowest} of {epochs} ({min(val_loss):.4f}) and ends at "
        f"{val_loss[-1]:.4f}; the validation accuracy goes from {val_accuracy[lowest - 1]:.2%} to "
        f"{val_accuracy[-1]:.2%}.",
    )
    + " Parts 5 and 6 try two ways of holding this back."
)

# %% [markdown]
# ## What the first convolution learned
#
# The six 3x3 filters of the first layer, each cell a weight (red positive, blue negative). Several
# look like small edge or stroke detectors: a row or column of positive weights next to negative ones
# responds to a change of brightness in one direction.

# %% tags=["nbval-ignore-output"]
fig = plots.conv_kernel_heatmaps(model.get_layer("conv_0").get_weights()[0], title="LeNet: first convolution filters")

# %% [markdown]
# Read each filter as a small template: it responds most where the patch under it looks like its
# red cells and unlike its blue ones. A red side facing a blue side makes an edge detector: it
# responds where ink covers the red side and not the blue one. A filter of one sign throughout weighs
# the amount of ink under it. Which filter takes which role depends on the random weights training
# started from.
#
# Next, the coefficients of the three dense layers, counts on a logarithmic scale.

# %% tags=["nbval-ignore-output"]
fig = plots.dense_weight_histograms(dense_kernels(model), title="LeNet: coefficients of the dense layers")

# %% [markdown]
# The two hidden layers, `dense_0` and `dense_1`, are centred on zero and close to symmetric, with
# tails that reach far beyond the narrow band their initial weights were drawn from: nothing in the
# loss puts a price on a large weight. Keep this picture for parts 5-7, which regularize these
# layers. A penalty on the size of the weights (part 5) adds a term to the loss that pulls them towards
# zero; dropout (parts 6 and 7) adds no such term, though on average it acts much like a penalty on
# the weights scaled by the data (Wager et al. 2013).
#
# ## How much does one run tell?
#
# Parts 5-8 compare networks whose accuracies may differ by only tenths of a point. As for the dense
# networks, LeNet is trained `reruns` more times from other initial weights, everything else unchanged
# (part 1 explains how), to see how far luck alone moves its test accuracy.

# %% tags=["nbval-ignore-output"]
retrained = train_reruns(build_lenet, data, runs=reruns, epochs=epochs, seed=seed, profile=profile)
fig = plots.rerun_spread(
    retrained.test_accuracy,
    first_run=test_accuracy,
    test_images=len(data.y_test),
    title=f"LeNet trained {reruns} more times from other initial weights",
)

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
Markdown(
    retrained.summary(test_accuracy)
    + " "
    + claims.state(
        "first_run_ordinary_draw",
        abs(retrained.standing(test_accuracy)) < 2,
        "It lies within two standard deviations of their mean: an ordinary draw among them. Had the series "
        "started from another seed, part 4's number could have been any of the dots.",
        "It lies more than two standard deviations from their mean.",
    )
)

# %% [markdown]
# The figure sets two kinds of noise on one axis. The shaded band is ±1 standard deviation of the
# reruns; the black bar is ±1 standard error of a score measured on this many test digits. Every dot
# is scored on the same test digits, so their scatter is the training's own. Each headline network of
# the series gets the same treatment, and part 8 compares networks by their reruns, not by single
# runs.

# %% [markdown]
# ## Try it yourself
#
# 1. Compute by hand the output shape of every box of the diagram from the 32x32 input, the 3x3 kernels
#    and the 2x2 pooling, then count each layer's coefficients and check them against the summary. Nothing
#    is trained.
#
#    *Hint:* a 3x3 convolution without padding makes a map 2 pixels smaller and has 3 × 3 × (maps read)
#    weights per filter plus one bias; a 2x2 pooling halves a map, rounding down, and has no coefficients.
#
#    <details><summary>Answer</summary>
#
#    32 → 30 (`conv_0`, 6 maps) → 15 → 13 (`conv_1`, 16 maps) → 6, so the flatten layer passes on
#    6 × 6 × 16 = 576 values. `conv_0` has 6 × (9 + 1) = 60 coefficients, `conv_1` 16 × (3 × 3 × 6 + 1) =
#    880, `dense_0` (576 + 1) × 120 = 69,240, `dense_1` (120 + 1) × 84 = 10,164 and `dense_2`
#    (84 + 1) × 10 = 850: 81,194 in all. `dense_0` holds about 85 % of them, the two convolutions just over
#    1 %.
#
#    </details>
#
# 2. LeCun's LeNet-5 has 5x5 filters. In a new cell, copy `build_lenet` with `kernel_size=5` in both
#    convolutions and call `.summary()` on the network it builds, without training it: how many
#    coefficients does it have, and why fewer than the 3x3 network although each filter is larger?
#
#    *Hint:* follow the map sizes: a 5x5 convolution makes a map 4 pixels smaller.
#
#    <details><summary>Answer</summary>
#
#    32 → 28 → 14 → 10 → 5, so `dense_0` reads 5 × 5 × 16 = 400 values instead of 576. The convolutions
#    grow, to 6 × 26 = 156 and 16 × (5 × 5 × 6 + 1) = 2,416 coefficients, but `dense_0` shrinks to
#    (400 + 1) × 120 = 48,120; with `dense_1` and `dense_2` unchanged the network has 61,706. The size of
#    the maps where they are flattened sets the size of the largest layer.
#
#    </details>
#
# 3. Does max pooling do better than average pooling? Run the part with `epochs = 5` and `reruns = 4`,
#    and keep its reruns in a new cell, `average = retrained.test_accuracy`; then replace both
#    `AveragePooling2D` with `MaxPooling2D` in `build_lenet` and run the cells from there down again, in the
#    same session (ten LeNet trainings of 5 epochs in all, a few minutes). Do the reruns move by more
#    than their spread?
#
#    *Hint:* with four trainings of each there are 70 ways to split the eight into two groups of four, and
#    the observed split and its mirror image both count, so a permutation p cannot go below 2 / 70 ≈ 0.029.
#
#    <details><summary>Answer</summary>
#
#    Compare the two sets with `permutation_p(retrained.test_accuracy, average)` from `helpers.statistics`:
#    below 0.05, the pooling changes the accuracy; above, four trainings of each cannot tell the two
#    apart, which does not make them equal. The reruns restart from their own seeds, so both sets share
#    initial weights and batch order and differ only in the pooling. The answer holds for 5 epochs; the
#    network keeps its 81,194 coefficients, since neither pooling has any.
#
#    </details>

# %% jupyter={"source_hidden": true} tags=["plumbing"]
record = model_record(
    params=model.count_params(),
    test_accuracy=test_accuracy,
    test_loss=test_loss,
    epochs=epochs,
    regularization="none",
    history=history,
)
save_results(run, models={"LeNet": record}, reruns=retrained.record(), claims=claims.recorded())
