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
# # Part 9 · A convolution written as a dense layer
#
# **What this part shows.** The original tutorial's first learning goal, shown instead of said: a
# convolution *is* a dense layer whose weights are local (each output reads a 3x3 window) and shared
# (every window uses the same nine weights per filter). LeNet's first convolution is unrolled into the
# kernel of a Keras `Dense` layer that gives the same outputs; then locality and sharing are taken
# apart by training three networks that differ only in their first layer, and the spatial prior is
# removed altogether by shuffling the pixels.
#
# **What it reuses.** The halved LeNet saved by part 7 (`MNIST_LeNet60`), whose two convolutions are
# part 4's exactly; part 4's LeNet and part 3's 128-wide dense network as architectures, with the
# epochs and the reruns those parts recorded.
#
# **The idea to take away.** What a convolution saves is coefficients: locality zeroes almost all of a
# dense kernel, and sharing ties the rest to a few dozen values. Which of the two buys accuracy, and
# which buys tolerance to shifts, is measured here after a short training (10 epochs in the full
# profile, against part 4's 60), not assumed.
#
# **Run time.** In the box under this header: from scratch, on the machine that built the site. A run
# by hand prints its own at the end. The full profile trains five networks of each
# first-layer kind for 10 epochs and ten networks on shuffled pixels (cached, and resumable if
# interrupted); the quick profile two of each, for a few epochs on a subset.

# %% tags=["parameters"]
profile = "full"  # "full": the complete experiment; "quick": a smoke run on a subset
output_dir = None  # where results go; None: a scratch folder, executed/interactive/
seed = 42  # batch order, and the shuffle of the pixels
train_size = None  # None: all 60,000 training images
test_size = None  # None: all 10,000 test images
epochs = 10  # epochs of each first-layer variant (the same for all three)
trainings = 5  # trainings of each network, from different initial weights
# How the trainings run. Another layout can move a network's accuracy in its last digits (float sums in
# another order); the training cache keeps whichever layout trained a network first.
workers = None  # training processes side by side (None: picked for this computer)
models_per_graph = None  # networks trained together in one Keras model (None: picked for this computer)

# %%
# Setup: the libraries this part uses, then the run (its parameters checked, where its outputs go).
import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from absl import logging as absl_logging
from IPython.display import Markdown
from keras import layers

from helpers import architectures, claims
from helpers import robustness as rb
from helpers.convolution import (
    LocallyConnected2D,
    kernel_counts,
    permuted,
    pixel_permutation,
    unrolled_bias,
    unrolled_kernel,
)
from helpers.data import pad_to_32
from helpers.grid import run_grid
from helpers.params import start_run
from helpers.results import load_results, model_record, save_results
from helpers.retraining import InitSeeded, rerun_seeds
from helpers.saved_models import load_saved_model
from helpers.statistics import LEVEL, welch
from helpers.training import Mnist, prepare_mnist

PART = "09_convolution_as_dense"
run = start_run(
    PART,
    globals(),
    chapter="Why convolutions win",
    summary=(
        "LeNet's first convolution unrolled into an equivalent dense layer; locality and weight sharing "
        "separated by three networks that differ only in their first layer; the pixels shuffled."
    ),
)
absl_logging.set_verbosity(absl_logging.ERROR)  # "compiled metrics not built yet": we only predict

# %% [markdown]
# ## The first convolution, unrolled
#
# `conv_0` reads the 32x32 padded digit (1,024 numbers) and writes six 30x30 maps (5,400 numbers). A
# `Dense` layer from 1,024 inputs to 5,400 outputs has a kernel of 1,024 x 5,400 coefficients, one for
# every input and output. To compute the convolution, the column of output (i, j, filter f) holds
# filter f's nine weights at the rows of the 3x3 window that starts at pixel (i, j), and zeros
# everywhere else. `unrolled_kernel` writes that matrix; a real Keras `Dense` layer loaded with it
# should give exactly the convolution's outputs.

# %%
saved = load_saved_model(run, "MNIST_LeNet60")
conv_0 = saved.get_layer("conv_0")
kernel, bias = conv_0.get_weights()
print(f"conv_0: kernel {kernel.shape} (3x3, 1 channel, 6 filters), bias {bias.shape}")

dense_kernel = unrolled_kernel(kernel, (32, 32, 1))
as_dense = keras.Sequential(
    [
        layers.Input(shape=(32, 32, 1)),
        layers.Flatten(),
        layers.Dense(30 * 30 * 6, activation="relu", name="conv_0_as_dense"),
        layers.Reshape((30, 30, 6)),
    ]
)
as_dense.get_layer("conv_0_as_dense").set_weights([dense_kernel, unrolled_bias(bias, (30, 30, 6))])
conv_only = keras.Model(saved.inputs, conv_0.output)

data = prepare_mnist(train_size, test_size, pad=True)
difference = max(
    float(np.abs(as_dense.predict(batch, verbose=0) - conv_only.predict(batch, verbose=0)).max())
    for batch in np.array_split(data.x_test, max(1, len(data.x_test) // 1000))
)
scale = float(np.abs(conv_only.predict(data.x_test[:1000], verbose=0)).max())
print(f"largest difference on {len(data.x_test):,} test digits: {difference:.2e} (outputs reach {scale:.2f})")

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
Markdown(
    claims.state(
        "the_dense_layer_computes_the_convolution",
        difference < 1e-5 * max(scale, 1.0),
        f"On all {len(data.x_test):,} test digits, the dense layer's 5,400 outputs and the convolution's agree "
        f"to **{difference:.1e}**: float rounding, which depends on the order of the sums. The two layers "
        "compute the same function.",
    )
)

# %% [markdown]
# What the dense layer's kernel holds, counted, for `conv_0` and for the second convolution `conv_1`
# (which reads the six pooled 15x15 maps, 1,350 numbers, and writes sixteen 13x13 maps, 2,704 numbers):

# %%
conv_1_kernel = saved.get_layer("conv_1").get_weights()[0]
counts = pd.DataFrame(
    {
        "conv_0 (1,024 → 5,400)": kernel_counts(dense_kernel),
        "conv_1 (1,350 → 2,704)": kernel_counts(unrolled_kernel(conv_1_kernel, (15, 15, 6))),
    }
).T
counts["share non-zero (%)"] = (100 * counts["non-zero"] / counts["entries"]).round(2)
counts

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
first, second = counts.iloc[0], counts.iloc[1]
Markdown(
    f"Locality is the zeros: an output of `conv_0` reads 9 of the 1,024 pixels, so "
    f"{100 - first['share non-zero (%)']:.1f} % of its dense kernel is zero. Sharing is the repetition: the "
    f"{int(first['non-zero']):,} non-zero entries hold only {int(first['distinct values'])} different numbers, the six "
    f"filters' nine weights, copied to every one of the 900 positions. For `conv_1` the same two savings turn "
    f"{int(second['entries']):,} entries into {int(second['distinct values']):,} numbers."
)

# %% [markdown]
# The kernel itself, drawn: left, which entries are not zero over the whole matrix (each dot one
# coefficient, inputs down, outputs across, both in flattening order); right, the top-left corner at
# full resolution, coloured by value, where the same nine weights recur down every sixth column.

# %% tags=["nbval-ignore-output"]
fig, (whole, corner) = plt.subplots(1, 2, figsize=(11, 4.6), gridspec_kw={"width_ratios": [1.6, 1]})
rows, columns = np.nonzero(dense_kernel)
whole.scatter(columns, rows, s=0.02, color="black", marker=".", linewidths=0)
whole.set(
    xlim=(0, dense_kernel.shape[1]), ylim=(dense_kernel.shape[0], 0), xlabel="output (30x30 positions x 6 filters)"
)
whole.set(ylabel="input pixel (32x32)", title=f"{len(rows):,} non-zero of {dense_kernel.size:,}")
part = dense_kernel[:100, :60]
limit = np.abs(kernel).max()
shown = np.where(part == 0, np.nan, part)
image = corner.imshow(shown, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest", aspect="auto")
corner.set(xlabel="output (first 10 positions x 6 filters)", ylabel="input pixel", title="rows 0-99, columns 0-59")
fig.colorbar(image, ax=corner, label="weight (white: zero)")
fig.tight_layout()


# %% [markdown]
# ## Locality and sharing, taken apart
#
# Which of the two properties does the work? Three networks, identical except for their first layer,
# which in all three turns the 32x32 digit into six 30x30 maps:
#
# * **dense** (neither property): a `Dense` layer from the 1,024 pixels to the 5,400 outputs, reshaped
#   into the maps;
# * **locally connected** (local, not shared): each output reads its 3x3 window, with its own nine
#   weights at every position (`LocallyConnected2D`, written for this series: Keras 3 has none; the
#   tests check it against a loop-by-loop definition);
# * **convolution** (local and shared): part 4's `Conv2D`.
#
# After it, each has part 4's LeNet unchanged: average pooling, the second convolution, pooling, and
# the dense layers of 120, 84 and 10 units. Each is trained `trainings` times from different initial
# weights, with the series' training settings, for the same number of epochs; and tested on the test
# digits as they are and moved by 3 pixels (left, right, up and down pooled, as in part 11).

# %% tags=["nbval-ignore-output"]
def build_first_layer_variant(first_layer: str) -> keras.Model:
    """Part 4's LeNet with its first layer replaced: "dense", "locally connected" or "convolution"."""
    first = {
        "dense": [
            layers.Flatten(name="pixels"),
            layers.Dense(30 * 30 * 6, activation="relu", name="dense_first"),
            layers.Reshape((30, 30, 6), name="maps"),
        ],
        "locally connected": [LocallyConnected2D(6, kernel_size=3, activation="relu", name="local_0")],
        "convolution": [layers.Conv2D(6, kernel_size=3, activation="relu", name="conv_0")],
    }[first_layer]
    return keras.Sequential(
        [
            layers.Input(shape=(32, 32, 1)),
            *first,
            layers.AveragePooling2D(pool_size=2, name="pool_0"),
            layers.Conv2D(16, kernel_size=3, activation="relu", name="conv_1"),
            layers.AveragePooling2D(pool_size=2, name="pool_1"),
            layers.Flatten(name="flatten"),
            layers.Dense(120, activation="relu", name="dense_0"),
            layers.Dense(84, activation="relu", name="dense_1"),
            layers.Dense(10, activation="softmax", name="dense_2"),
        ],
        name=f"lenet_{first_layer.replace(' ', '_')}",
    )


variants = ["dense", "locally connected", "convolution"]
builder = InitSeeded(build_first_layer_variant)
seeds = rerun_seeds(seed, trainings)
points = [{"first_layer": kind, "init_seed": s} for kind in variants for s in seeds]
trained = run_grid(
    builder,
    points,
    data,
    epochs=epochs,
    seed=seed,
    profile=profile,
    description="first-layer variants",
    workers=workers,
    models_per_graph=models_per_graph,
)

# %% [markdown]
# Each network is then read on the test digits and on the same digits moved by 3 pixels:

# %% tags=["nbval-ignore-output"]
three = [(-3, 0), (3, 0), (0, -3), (0, 3)]  # (dx, dy): left, right, up, down
digits28 = data.x_test[:, 2:-2, 2:-2, 0]  # the 28x28 digits inside the padding
moved = np.concatenate([pad_to_32(rb.shift(digits28, dx, dy)) for dx, dy in three])
moved_labels = np.tile(data.y_test, len(three))


def shifted_accuracy(model: keras.Model) -> float:
    """Accuracy on the test digits moved by 3 pixels in each of four directions, pooled."""
    return float((model.predict(moved, batch_size=2048, verbose=0).argmax(axis=1) == moved_labels).mean())


rows = []
for point, result in zip(points, trained, strict=True):
    rows.append(
        {
            "first layer": point["first_layer"],
            "coefficients": result.params,
            "test accuracy (%)": 100 * result.test_accuracy,
            "shifted 3 px (%)": 100 * shifted_accuracy(result.model(builder)),
        }
    )
trainings_table = pd.DataFrame(rows)
summary = trainings_table.groupby("first layer", sort=False).agg(
    coefficients=("coefficients", "first"),
    accuracy_mean=("test accuracy (%)", "mean"),
    accuracy_sd=("test accuracy (%)", "std"),
    shifted_mean=("shifted 3 px (%)", "mean"),
    shifted_sd=("shifted 3 px (%)", "std"),
)
pd.DataFrame(
    {
        "coefficients": summary["coefficients"].map("{:,}".format),
        "test accuracy (%), mean ± s.d.": [
            f"{m:.2f} ± {s:.2f}" for m, s in zip(summary["accuracy_mean"], summary["accuracy_sd"], strict=True)
        ],
        "shifted 3 px (%), mean ± s.d.": [
            f"{m:.1f} ± {s:.1f}" for m, s in zip(summary["shifted_mean"], summary["shifted_sd"], strict=True)
        ],
    },
    index=summary.index,
)


# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
def column(kind: str, name: str) -> np.ndarray:
    """One network's values of one column, over its trainings."""
    return trainings_table.loc[trainings_table["first layer"] == kind, name].to_numpy()


#: The differences this page gives an interval for: four here, three on shuffled pixels below. Their intervals
#: are adjusted together (Bonferroni), so that all of them hold at once ``LEVEL`` of the time.
family = [
    "locality",
    "sharing",
    "locality, shifted digits",
    "sharing, shifted digits",
    "shuffle, dense network",
    "shuffle, LeNet",
    "LeNet against dense, shuffled",
]
level = 1 - (1 - LEVEL) / len(family)


def mean_difference(first: np.ndarray, second: np.ndarray) -> tuple[float, float, float]:
    """Mean of ``first`` minus mean of ``second`` (points), and the ends of its Welch interval at ``level``."""
    low, high, _ = welch(first, second, level)
    return float(np.mean(first) - np.mean(second)), low, high


def gap(first: str, second: str, name: str) -> tuple[float, float, float]:
    """``mean_difference`` of two networks' values in column ``name``, over their trainings."""
    return mean_difference(column(first, name), column(second, name))


local_gain = gap("locally connected", "dense", "test accuracy (%)")
sharing_gain = gap("convolution", "locally connected", "test accuracy (%)")
local_shift = gap("locally connected", "dense", "shifted 3 px (%)")
sharing_shift = gap("convolution", "locally connected", "shifted 3 px (%)")


def interval(difference: tuple[float, float, float], digits: int) -> str:
    """A difference of means in points with its adjusted interval, e.g. ``+0.42 points (+0.30 to +0.54)``."""
    d, low, high = difference
    return f"**{d:+.{digits}f} points** (interval {low:+.{digits}f} to {high:+.{digits}f})"


Markdown(
    f"After {epochs} epochs of training:\n\n"
    f"- Locality (locally connected against dense): test accuracy {interval(local_gain, 2)}; accuracy on "
    f"shifted digits {interval(local_shift, 1)}.\n"
    f"- Sharing (convolution against locally connected): test accuracy {interval(sharing_gain, 2)}; accuracy on "
    f"shifted digits {interval(sharing_shift, 1)}; "
    f"{summary.loc['locally connected', 'coefficients'] / summary.loc['convolution', 'coefficients']:.1f} "
    "times fewer coefficients in the whole network.\n\n"
    f"Each interval is Welch's at {100 * level:.2f} %: Bonferroni's adjustment for the {len(family)} differences "
    f"this page measures, so that all {len(family)} intervals hold together {100 * LEVEL:.0f} % of the time. An "
    "interval wholly on one side of zero is a difference this experiment detects; one that straddles zero, a "
    f"difference {trainings} trainings of each network cannot tell from training noise."
)

# %% [markdown]
# ## The spatial prior, removed
#
# Both properties assume that neighbouring pixels belong together. Shuffle the pixels, with one fixed
# permutation drawn from the seed and applied to every training and test digit alike, and that
# assumption is gone while nothing else is: the digits are the same numbers in another order. A dense
# network, which gives every pixel its own weight, cannot tell the difference (its first layer's
# weights just move with the pixels); LeNet's windows now read pixels that were far apart. Part 3's
# 128-wide dense network and part 4's LeNet (rebuilt by `helpers.architectures`, layer for layer as
# those parts write them) are trained on the shuffled digits with the epochs their parts used,
# `trainings` times each, and compared with the reruns those parts recorded on the digits as they are.

# %% tags=["nbval-ignore-output"]
order = pixel_permutation(seed)
plain = prepare_mnist(train_size, test_size)
shuffled = Mnist(permuted(plain.x_train, order), plain.y_train, permuted(plain.x_test, order), plain.y_test)
fig, axes = plt.subplots(2, 8, figsize=(10, 2.8))
for k in range(8):
    for row, images in enumerate((plain.x_train, shuffled.x_train)):
        axes[row, k].imshow(images[k], cmap="gray", vmin=0, vmax=1)
        axes[row, k].set_axis_off()
    axes[0, k].set_title(str(plain.y_train[k]))
fig.tight_layout()

# %% tags=["nbval-ignore-output"]
part3, part4 = load_results(run, "03_dense_sized"), load_results(run, "04_lenet")
shuffled_padded = Mnist(pad_to_32(shuffled.x_train), shuffled.y_train, pad_to_32(shuffled.x_test), shuffled.y_test)
on_shuffled = {}
for name, build, digits, record in (
    ("dense 128", lambda: architectures.dense_sized(128), shuffled, part3["models"]["Dense 128"]),
    ("LeNet", architectures.lenet, shuffled_padded, part4["models"]["LeNet"]),
):
    results = run_grid(
        InitSeeded(build),
        [{"init_seed": s} for s in seeds],
        digits,
        epochs=record["epochs"],
        seed=seed,
        profile=profile,
        description=f"{name}, shuffled pixels",
        workers=workers,
        models_per_graph=models_per_graph,
    )
    on_shuffled[name] = 100 * np.array([r.test_accuracy for r in results])
as_they_are = {
    "dense 128": 100 * np.array(part3["reruns"]["test_accuracy"]),
    "LeNet": 100 * np.array(part4["reruns"]["test_accuracy"]),
}


def spread(values: np.ndarray) -> str:
    """Mean ± s.d. of some trainings' accuracies (%), and how many."""
    return f"{values.mean():.2f} ± {values.std(ddof=1):.2f} ({len(values)} trainings)"


pd.DataFrame(
    {
        name: {
            "digits as they are (parts 3, 4), mean ± s.d.": spread(as_they_are[name]),
            "shuffled pixels, mean ± s.d.": spread(on_shuffled[name]),
        }
        for name in on_shuffled
    }
).T

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
dense_cost = mean_difference(on_shuffled["dense 128"], as_they_are["dense 128"])
lenet_cost = mean_difference(on_shuffled["LeNet"], as_they_are["LeNet"])
lead_before = mean_difference(as_they_are["LeNet"], as_they_are["dense 128"])
lead_after = mean_difference(on_shuffled["LeNet"], on_shuffled["dense 128"])
Markdown(
    "- "
    + claims.state(
        "shuffling_costs_the_dense_network_little",
        abs(dense_cost[0]) < 0.5,
        f"The shuffle changes the dense network's accuracy by **{dense_cost[0]:+.2f} points** (adjusted interval "
        f"{dense_cost[1]:+.2f} to {dense_cost[2]:+.2f}): less than half a point.",
    )
    + "\n- "
    + claims.state(
        "shuffling_costs_lenet_more",
        lenet_cost[2] < dense_cost[1],
        f"It costs LeNet **{-lenet_cost[0]:.2f} points** (adjusted interval {-lenet_cost[2]:.2f} to "
        f"{-lenet_cost[1]:.2f}), "
        "more than it costs the dense network.",
    )
    + "\n- "
    + claims.state(
        "lenet_loses_its_lead_on_shuffled_pixels",
        lead_after[1] < 0 or lead_after[0] < lead_before[0] / 2,
        f"LeNet's lead over the dense network goes from **{lead_before[0]:+.2f}** points on the digits as they are "
        f"to **{lead_after[0]:+.2f}** on shuffled pixels (adjusted interval {lead_after[1]:+.2f} to "
        f"{lead_after[2]:+.2f}).",
    )
)

# %% [markdown]
# ## What this part found

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
ratio = summary.loc["locally connected", "coefficients"] / summary.loc["convolution", "coefficients"]
convolution_mean, part4_mean = summary.loc["convolution", "accuracy_mean"], as_they_are["LeNet"].mean()
findings = [
    "A convolution is a dense layer whose kernel is almost all zeros (locality) and whose non-zero entries are a "
    "few numbers repeated (sharing): a `Dense` layer holding the unrolled `conv_0` gives the convolution's outputs.",
    claims.state(
        "sharing_raises_accuracy",
        sharing_gain[1] > 0,
        f"After {epochs} epochs, sharing buys accuracy: with the same 3x3 windows, one kernel for every position "
        f"scores {sharing_gain[0]:+.2f} points over one kernel per position (adjusted interval "
        f"{sharing_gain[1]:+.2f} to {sharing_gain[2]:+.2f}), with {ratio:.1f} times fewer coefficients in the network.",
    ),
    claims.state(
        "locality_alone_within_noise",
        local_gain[1] < 0 < local_gain[2],
        f"After {epochs} epochs, locality alone does not measurably: the locally connected first layer against the "
        f"dense one, {local_gain[0]:+.2f} points, is within what {trainings} trainings of each can tell apart "
        f"(adjusted interval "
        f"{local_gain[1]:+.2f} to {local_gain[2]:+.2f}).",
    ),
    claims.state(
        "locality_and_shifted_digits",
        local_shift[1] > 0,
        f"On digits moved by 3 pixels, after {epochs} epochs, locality (locally connected against dense) raises the "
        f"accuracy by {local_shift[0]:.1f} points (adjusted interval {local_shift[1]:+.1f} to {local_shift[2]:+.1f}).",
    ),
    claims.state(
        "sharing_and_shifted_digits",
        sharing_shift[1] > 0,
        f"On digits moved by 3 pixels, after {epochs} epochs, sharing (convolution against locally connected) raises "
        f"the accuracy by {sharing_shift[0]:.1f} points (adjusted interval {sharing_shift[1]:+.1f} to "
        f"{sharing_shift[2]:+.1f}).",
    ),
    claims.state(
        "short_training_leaves_the_convolution_below_part_4",
        convolution_mean < part4_mean,
        f"{epochs} epochs are a short training: the convolution variant, part 4's LeNet itself, scores "
        f"{convolution_mean:.2f} % on average, part 4's reruns {part4_mean:.2f} % after "
        f"{part4['models']['LeNet']['epochs']} epochs.",
        f"After {epochs} epochs the convolution variant, part 4's LeNet itself, scores {convolution_mean:.2f} % on "
        f"average, part 4's reruns {part4_mean:.2f} % after {part4['models']['LeNet']['epochs']} epochs.",
    ),
    claims.state(
        "lenet_loses_its_lead_in_the_findings",
        lead_after[0] < 0 and abs(dense_cost[0]) < 0.5,
        f"Without neighbouring pixels that belong together, LeNet loses its lead: {lead_before[0]:+.2f} points over "
        f"the dense network on the digits as they are, {lead_after[0]:+.2f} on shuffled pixels, while the dense "
        f"network's accuracy moves by {dense_cost[0]:+.2f} points.",
    ),
]
Markdown(
    "\n".join(f"* {line}" for line in findings)
    + "\n\nPart 10 measures what the convolution costs in data and in compute."
)


# %% [markdown]
# ## Try it yourself
#
# 1. Unroll `conv_1` the same way and check, as for `conv_0`, that a `Dense` layer with that kernel gives
#    the convolution's outputs. `keras.Model(saved.inputs, saved.get_layer("pool_0").output)` gives its
#    input, the pooled 15x15x6 maps, and the same with `"conv_1"` its output; the dense version is
#    `Input((15, 15, 6))`, `Flatten()`, `Dense(13 * 13 * 16, activation="relu")` and `Reshape((13, 13, 16))`,
#    its weights `unrolled_kernel(conv_1_kernel, (15, 15, 6))` and `unrolled_bias(b, (13, 13, 16))`, with `b`
#    the bias of `conv_1`. Nothing is trained.
#
#    *Hint:* feed the dense layer the pooled maps and the convolution model the padded digits they come
#    from, then compare as the page does.
#
#    <details><summary>Answer</summary>
#
#    The two agree to float rounding, as `conv_0`'s pair does, provided both read the same pooled maps in
#    Keras's flattening order (row, column, map). Each of the 2,704 columns holds 3 × 3 × 6 = 54 weights:
#    146,016 non-zero entries of 1,350 × 2,704 = 3,650,400, the table's counts, so 54 of every 1,350
#    inputs, 4 %, against 9 of 1,024 for `conv_0`. Those entries are the 16 filters' 864 weights, each
#    repeated at the 13 × 13 = 169 positions.
#
#    </details>
#
# 2. Count the coefficients of the three first-layer variants by hand and check them against the table:
#    why does the locally connected network have only about 1.7 times the convolution's coefficients, when
#    its first layer has 900 times as many? Nothing is trained.
#
#    *Hint:* the locally connected layer has its own nine weights and its own bias for each of the 30 × 30
#    positions and 6 filters, and the rest of each network is part 4's LeNet after `conv_0`.
#
#    <details><summary>Answer</summary>
#
#    Dense first layer: 1,024 × 5,400 + 5,400 = 5,535,000; locally connected: 900 × 9 × 6 + 900 × 6 =
#    54,000; convolution: 6 × 9 + 6 = 60. The rest holds 81,194 − 60 = 81,134, so the networks have
#    5,616,134, 135,134 and 81,194 coefficients. In the last two the rest outweighs the first layer, hence
#    135,134 / 81,194 ≈ 1.66, while the dense first layer alone is 98.6 % of its network.
#
#    </details>
#
# 3. Does locality alone buy accuracy when the digits are few? Set `train_size = 6000` and rerun: the
#    fifteen first-layer networks train for 10 epochs on 5,400 digits, and the shuffled section's ten
#    networks train on them too: some minutes in all, much of it in the dense first layers.
#
#    *Hint:* 10 epochs of 5,400 digits are 430 weight updates of 128 digits against the published run's
#    4,220, so fewer digits and less training come together.
#
#    <details><summary>Answer</summary>
#
#    Read the locality line under the table: an interval wholly above zero says that locality alone buys
#    accuracy here, one that straddles zero that five trainings of each cannot tell. If the verdict differs
#    from the published page's, fewer digits or fewer updates made the difference, and this run cannot say
#    which (`epochs = 100` would bring back about as many updates). Leave the shuffled section and the
#    comparison with part 4 aside: they set trainings on 5,400 digits against parts 3 and 4's on 54,000.
#
#    </details>

# %% jupyter={"source_hidden": true} tags=["plumbing"]
def network_record(kind: str) -> dict:
    """One first-layer variant's model record: its mean test accuracy over its trainings."""
    return model_record(
        params=int(summary.loc[kind, "coefficients"]),
        test_accuracy=float(summary.loc[kind, "accuracy_mean"] / 100),
        test_loss=float(
            np.mean([r.test_loss for p, r in zip(points, trained, strict=True) if p["first_layer"] == kind])
        ),
        epochs=epochs,
        regularization=f"none; first layer: {kind}; mean of {trainings} trainings",
    )


save_results(
    run,
    models={f"LeNet, {kind} first layer": network_record(kind) for kind in variants},
    equivalence={"largest difference": difference, "output scale": scale, "test digits": len(data.x_test)},
    kernel_counts=counts.to_dict(orient="index"),
    first_layer_trainings=trainings_table.to_dict(orient="records"),
    shuffled={name: on_shuffled[name].tolist() for name in on_shuffled},
    as_they_are={name: as_they_are[name].tolist() for name in as_they_are},
    claims=claims.recorded(),
)
