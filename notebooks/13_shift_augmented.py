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
# # Part 13 · Learning from shifted digits
#
# **What this part shows.** Whether data can teach what architecture builds in: both saved networks'
# architectures trained again, several times each, exactly as in parts 3 and 7 except that every training
# digit is moved by a random few pixels, then measured on shifted, rotated and noisy digits beside the
# saved networks.
#
# **What it reuses.** `MNIST_dense128` and `MNIST_LeNet60` (read back from their `.h5` files) for
# their layers and dropout rates, the epochs parts 3 and 7 trained them for, and the series' training
# settings.
#
# **The idea to take away.** Augmentation teaches a network the variations it is shown, within the
# range it is shown; what it does to other distortions has to be measured too.
#
# **Run time.** In the box under this header: from scratch, on the machine that built the site. A run
# by hand prints its own at the end. The six trainings are cached, so a rebuild reads them
# back; trained from nothing, each takes about as long as parts 3 and 7's single trainings.

# %% tags=["parameters"]
profile = "full"  # "full": the complete measurement; "quick": a smoke run on a subset
output_dir = None  # where results go; None: a scratch folder, executed/interactive/
seed = 42
train_size = None  # None: all 60,000 training images
test_size = None  # None: all 10,000 test images, for every measurement
max_shift = 6  # shifts of -max_shift..+max_shift pixels, horizontally and vertically
augment_shift = 3  # the retrained networks see random shifts of up to this many pixels
trainings = 3  # trainings of each shift-augmented network, each from its own initial weights

# %%
# Setup: the libraries this part uses, then the run (its parameters checked, where its outputs go).
import keras
import numpy as np
import pandas as pd
from absl import logging as absl_logging
from IPython.display import Markdown
from keras import layers

from helpers import claims
from helpers import robustness as rb
from helpers import robustness_plots as rplots
from helpers.data import load_mnist, scale_pixels
from helpers.grid import run_grid
from helpers.params import start_run
from helpers.results import load_results, model_record, save_results
from helpers.retraining import InitSeeded, rerun_seeds
from helpers.statistics import (
    Interval,
    PairedDifference,
    accuracy_interval,
    intervals,
    mean_interval,
    new_test_set_interval,
)
from helpers.training import prepare_mnist

PART = "13_shift_augmented"
run = start_run(
    PART,
    globals(),
    chapter="Looking closer: the saved networks",
    summary=(
        "Both architectures trained again on randomly shifted digits, then measured on shifted, rotated and "
        "noisy digits beside the saved networks."
    ),
)
absl_logging.set_verbosity(absl_logging.ERROR)  # "compiled metrics not built yet": we only predict

# %% [markdown]
# ## The saved networks and how they were trained
#
# The retrained networks copy the saved ones layer for layer: the same widths and the same dropout
# rates (read from the saved files), trained for the same number of epochs (read from parts 3 and 7's
# results).

# %%
dense, lenet = rb.saved_networks(run)
(_, _), (x_test_raw, y_test_raw) = load_mnist()
x_test, y_test = scale_pixels(x_test_raw[:test_size]), y_test_raw[:test_size]
epochs = {
    "dense": load_results(run, "03_dense_sized")["models"]["Dense 128"]["epochs"],
    "LeNet": load_results(run, "07_lenet_halved")["models"]["LeNet, dropout, halved"]["epochs"],
}
rates = {
    net.name: [layer.rate for layer in net.model.layers if isinstance(layer, layers.Dropout)] for net in (dense, lenet)
}
for name in epochs:
    print(f"{name}: {epochs[name]} epochs, dropout {rates[name]}")

# %% [markdown]
# ## Two networks trained on shifted digits
#
# Invariance can be learned: show a network digits in many positions, and it must answer the same for
# all of them. Both architectures get one layer in front: Keras's `RandomTranslation`, which moves each
# training digit by a random whole number of pixels, up to ±3 in each direction, a new draw at every
# epoch, filling with black. It is active only during training: at test time it passes the image
# unchanged. For LeNet it shifts the padded 32x32 image, which is the same as shifting the 28x28 digit
# and padding it afterwards, since the border is black.


# %%
def build_dense_shifted(max_shift: int) -> keras.Model:
    """Part 3's 128-wide dense network, trained on digits shifted by up to ``max_shift`` pixels."""
    return keras.Sequential(
        [
            layers.Input(shape=(28, 28)),
            layers.Reshape((28, 28, 1), name="as_image"),
            layers.RandomTranslation(
                max_shift / 28, max_shift / 28, fill_mode="constant", interpolation="nearest", name="random_shift"
            ),
            layers.Flatten(name="flatten"),
            layers.Dropout(rates["dense"][0], name="dropout_0"),
            layers.Dense(128, activation="relu", name="dense_0"),
            layers.Dropout(rates["dense"][1], name="dropout_1"),
            layers.Dense(10, activation="softmax", name="dense_1"),
        ],
        name="dense128_shifted",
    )


def build_lenet_shifted(max_shift: int) -> keras.Model:
    """Part 7's halved LeNet, trained on digits shifted by up to ``max_shift`` pixels."""
    return keras.Sequential(
        [
            layers.Input(shape=(32, 32, 1)),
            layers.RandomTranslation(
                max_shift / 32, max_shift / 32, fill_mode="constant", interpolation="nearest", name="random_shift"
            ),
            layers.Conv2D(6, kernel_size=3, activation="relu", name="conv_0"),
            layers.AveragePooling2D(pool_size=2, name="pool_0"),
            layers.Conv2D(16, kernel_size=3, activation="relu", name="conv_1"),
            layers.AveragePooling2D(pool_size=2, name="pool_1"),
            layers.Flatten(name="flatten"),
            layers.Dropout(rates["LeNet"][0], name="dropout_0"),
            layers.Dense(60, activation="relu", name="dense_0"),
            layers.Dropout(rates["LeNet"][1], name="dropout_1"),
            layers.Dense(42, activation="relu", name="dense_1"),
            layers.Dense(10, activation="softmax", name="dense_2"),
        ],
        name="lenet60_shifted",
    )


# %% [markdown]
# The grid runner of parts 3-6 trains each of them `trainings` times, each training from its own initial
# weights, with the series' training settings (Adam, batches of 128, 10 % of the training digits held out
# for validation); each network's result is cached, and an interrupted training resumes from its last
# epoch.

# %% tags=["nbval-ignore-output"]
init_seeds = rerun_seeds(seed, trainings)
points = [{"max_shift": augment_shift, "init_seed": s} for s in init_seeds]
builders = {"dense": InitSeeded(build_dense_shifted), "LeNet": InitSeeded(build_lenet_shifted)}
trained = {
    name: run_grid(
        builders[name],
        points,
        prepare_mnist(train_size, test_size, pad=name == "LeNet"),
        epochs=epochs[name],
        seed=seed,
        profile=profile,
        description=f"{name}, shifted digits",
    )
    for name in builders
}
augmented = {
    name: [
        rb.Network(f"{name}, shift-augmented, training {k + 1}", result.model(builders[name]), padded=name == "LeNet")
        for k, result in enumerate(trained[name])
    ]
    for name in builders
}
networks = [dense, lenet, *augmented["dense"], *augmented["LeNet"]]
clean = {net.name: net.correct(x_test, y_test) for net in networks}
for net in networks[2:]:
    print(f"{net.name}: {net.model.count_params():,} coefficients, clean accuracy {accuracy_interval(clean[net.name])}")

# %% [markdown]
# ## How the comparisons count noise
#
# A saved network is one object: the page compares the retrained networks with *it*, not with its
# architecture. Each retrained network was trained `trainings` times, and its numbers below are the
# mean of those trainings. A difference between a retrained architecture and a saved network comes with
# a 95 % interval that counts two kinds of noise: which trainings we happened to get, and which test
# digits (`new_test_set_interval`, the interval part 8 uses, for a difference on a new test set of the
# same size). The difference is **higher** or **lower** when the interval excludes 0, **within noise**
# otherwise.


# %%
def per_digit(scores: np.ndarray) -> np.ndarray:
    """One score per test digit: a digit's outcomes under several settings (its columns) averaged."""
    return scores.reshape(len(scores), -1).mean(axis=1)


def trainings_of(scores: dict[str, np.ndarray], name: str) -> np.ndarray:
    """The retrained ``name``'s per-digit scores, one row per training (trainings × digits)."""
    return np.stack([per_digit(scores[net.name]) for net in augmented[name]])


def versus(scores: dict[str, np.ndarray], retrained: str, saved: str) -> PairedDifference:
    """The retrained architecture ``retrained`` against the saved network ``saved`` on the same digits."""
    first, second = trainings_of(scores, retrained), per_digit(scores[saved])[None]
    low, high = new_test_set_interval(first, second)
    return PairedDifference(float(first.mean() - second.mean()), low / 100, high / 100)


def told(change: PairedDifference) -> str:
    """``+12.1 points, 95 % interval +11.7 to +12.5``."""
    return f"{change.points()}, 95 % interval {100 * change.low:+.1f} to {100 * change.high:+.1f}"


def spread(scores: dict[str, np.ndarray], name: str) -> str:
    """The retrained ``name``'s accuracy over its trainings: mean ± s.d. and the range, in %."""
    accuracies = 100 * trainings_of(scores, name).mean(axis=1)
    return (
        f"{accuracies.mean():.1f} ± {accuracies.std(ddof=1):.1f} % (mean ± s.d. of {len(accuracies)} trainings, "
        f"{accuracies.min():.1f} to {accuracies.max():.1f})"
    )


# %% [markdown]
# ## Shifted digits, with and without augmentation
#
# Each saved network's band is its 95 % interval over the test digits; each augmented network's line is
# the mean of its trainings, its band running from the lowest of them to the highest.

# %% tags=["nbval-ignore-output"] caption="Shift curves: saved networks solid, shift-augmented ones dashed (mean)."
shifts = list(range(-max_shift, max_shift + 1))
by_axis = {
    "horizontal": rb.sweep(networks, x_test, y_test, lambda im, d: rb.shift(im, int(d), 0), shifts),
    "vertical": rb.sweep(networks, x_test, y_test, lambda im, d: rb.shift(im, 0, int(d)), shifts),
}


def trainings_band(scores: dict[str, np.ndarray], name: str) -> list[Interval]:
    """At each strength, the mean accuracy of the retrained ``name``'s trainings, from their lowest to their highest."""
    accuracies = np.array([scores[net.name].mean(axis=1) for net in augmented[name]])  # trainings × strengths
    return [Interval(float(a.mean()), float(a.min()), float(a.max())) for a in accuracies.T]


curves = {
    axis: {
        "dense": intervals(scores["dense"]),
        "LeNet": intervals(scores["LeNet"]),
        **{f"{name}, shift-augmented": trainings_band(scores, name) for name in augmented},
    }
    for axis, scores in by_axis.items()
}
fig = rplots.shift_curves(
    shifts,
    curves["horizontal"],
    curves["vertical"],
    title=f"Shifted digits, with and without ±{augment_shift} px augmentation",
)

# %%
three = [(-3, 0), (3, 0), (0, -3), (0, 3)]  # (dx, dy): left, right, up, down
at_three = {
    net.name: np.stack(
        [by_axis["horizontal" if dy == 0 else "vertical"][net.name][shifts.index(dx + dy)] for dx, dy in three], axis=1
    )
    for net in networks
}

# %% tags=["remove-input", "nbval-ignore-output"] jupyter={"source_hidden": true}
gain = {name: versus(at_three, name, name) for name in augmented}
closed = versus(at_three, "dense", "LeNet")
Markdown(
    f"At 3 pixels of shift (left, right, up and down pooled), the augmented dense network reads "
    f"{spread(at_three, 'dense')} of the digits, against {accuracy_interval(at_three['dense'])} for the saved one; "
    f"the augmented LeNet {spread(at_three, 'LeNet')}, against {accuracy_interval(at_three['LeNet'])}. "
    + claims.state(
        "augmentation_lifts_both_at_3px",
        all(g.verdict == "higher" for g in gain.values()),
        f"Augmentation lifts both: the dense network by {told(gain['dense'])}, LeNet by {told(gain['LeNet'])}. ",
    )
    + claims.state(
        "augmented_dense_beats_saved_lenet_at_3px",
        closed.verdict == "higher",
        f"Shown shifted digits, the dense network now reads more of them than the saved LeNet, which never saw "
        f"one ({told(closed)}).",
        f"Against the saved LeNet, which never saw a shifted digit, the augmented dense network is "
        f"{closed.verdict} ({told(closed)}).",
    )
)

# %% [markdown]
# ## What augmentation did to other distortions
#
# Augmentation was meant to help with shifts. The same networks on undistorted digits, rotated by ±20°
# and with noise of σ = 0.3 (part 12's distortions, with its seed):

# %%
rotation, noise = rb.DISTORTIONS["rotation"].at(seed), rb.DISTORTIONS["noise"].at(seed)
turned = {
    name: np.stack(list(rows), axis=1) for name, rows in rb.sweep(networks, x_test, y_test, rotation, [-20, 20]).items()
}
noisy = {name: rows[0] for name, rows in rb.sweep(networks, x_test, y_test, noise, [0.3]).items()}

# %% tags=["remove-input", "nbval-ignore-output"] jupyter={"source_hidden": true}
cost = {name: versus(clean, name, name) for name in augmented}
noise_change = {name: versus(noisy, name, name) for name in augmented}
turn_change = {name: versus(turned, name, name) for name in augmented}
Markdown(
    claims.state(
        "augmentation_costs_dense_clean_accuracy",
        cost["dense"].verdict == "lower",
        f"On undistorted digits the augmented dense network is lower than the saved one ({told(cost['dense'])}); ",
        f"On undistorted digits the augmented dense network is {cost['dense'].verdict} against the saved one "
        f"({told(cost['dense'])}); ",
    )
    + claims.state(
        "augmentation_keeps_lenet_clean_accuracy",
        cost["LeNet"].verdict != "lower",
        f"the augmented LeNet is not lower than the saved one ({cost['LeNet'].verdict}: {told(cost['LeNet'])}). ",
        f"the augmented LeNet is lower than the saved one ({told(cost['LeNet'])}). ",
    )
    + claims.state(
        "augmentation_hurts_dense_under_noise",
        noise_change["dense"].verdict == "lower",
        f"With noise of σ = 0.3 the augmented dense network reads **{spread(noisy, 'dense')}** of the digits, "
        f"against {accuracy_interval(noisy['dense'])} for the saved one: lower ({told(noise_change['dense'])}). ",
        f"With noise of σ = 0.3 the augmented dense network is {noise_change['dense'].verdict} against the saved "
        f"one ({told(noise_change['dense'])}). ",
    )
    + claims.state(
        "augmentation_hurts_lenet_under_noise_too",
        noise_change["LeNet"].verdict == "lower",
        f"The augmented LeNet loses under noise too: it reads {spread(noisy, 'LeNet')}, against "
        f"{accuracy_interval(noisy['LeNet'])} for the saved one ({told(noise_change['LeNet'])}). ",
        f"The augmented LeNet is {noise_change['LeNet'].verdict} under noise against the saved one "
        f"({told(noise_change['LeNet'])}). ",
    )
    + claims.state(
        "rotation_moves_neither_by_a_point",
        all(abs(change.difference) < 0.01 for change in turn_change.values()),  # within a point
        f"Rotated by ±20°, both augmented networks stay within a point of the saved ones (dense "
        f"{told(turn_change['dense'])}; LeNet {told(turn_change['LeNet'])}).",
        f"Rotated by ±20°, the augmented networks move by a point or more (dense {told(turn_change['dense'])}; LeNet "
        f"{told(turn_change['LeNet'])}).",
    )
)

# %% [markdown]
# The augmented networks saw the same training digits, only moved. Why that changed how they cope with
# noise is not something this experiment can say: it measured what augmentation did, not why.

# %% [markdown]
# ## Summary
#
# Accuracy (%) on the undistorted test digits, at a shift of 3 pixels (left, right, up and down pooled),
# at ±20° of rotation (both directions pooled) and with noise of σ = 0.3. Saved networks: the accuracy
# with its 95 % interval over the test digits. Shift-augmented ones: the mean of their trainings with the
# 95 % t interval over the trainings.

# %% tags=["nbval-ignore-output"]
settings = {"clean": clean, "shift 3 px": at_three, "rotation ±20°": turned, "noise σ = 0.3": noisy}
summary = {
    **{name: {s: accuracy_interval(scores[name]) for s, scores in settings.items()} for name in ("dense", "LeNet")},
    **{
        f"{name}, shift-augmented": {
            s: mean_interval(trainings_of(scores, name).mean(axis=1)) for s, scores in settings.items()
        }
        for name in augmented
    },
}
pd.DataFrame({name: {setting: str(score) for setting, score in row.items()} for name, row in summary.items()}).T

# %% [markdown]
# The clean column says all four are good MNIST readers; the three others say how much of that survives
# changes that leave the digit obvious to a person.


# %% [markdown]
# ## Try it yourself
#
# * Set `augment_shift = 1` and rerun: does the augmented dense network still read more digits shifted
#   by 3 pixels than the saved LeNet? (Hint: the networks now never see a shift of 3 pixels in training.)
# * Set `augment_shift = 6`: what does the augmented dense network pay on undistorted digits?


# %% tags=["plumbing"] jupyter={"source_hidden": true}
def loss_of(net: rb.Network) -> float:
    """Mean cross-entropy on the undistorted test digits."""
    probabilities = net.probabilities(x_test)
    return float(-np.mean(np.log(np.clip(probabilities[np.arange(len(y_test)), y_test], 1e-7, 1.0))))


def percent(score: Interval) -> str:
    """``98.1 [97.8, 98.4]``: an accuracy and its 95 % interval, in percent."""
    return f"{100 * score.value:.1f} [{100 * score.low:.1f}, {100 * score.high:.1f}]"


described = {
    "dense": ("dense 128, saved by part 3", ""),
    "LeNet": ("LeNet 60, saved by part 7", ""),
    "dense, shift-augmented": (f"dense 128, shift-augmented (mean of {trainings})", f", ±{augment_shift} px shifts"),
    "LeNet, shift-augmented": (f"LeNet 60, shift-augmented (mean of {trainings})", f", ±{augment_shift} px shifts"),
}
members = {"dense": [dense], "LeNet": [lenet], **{f"{name}, shift-augmented": augmented[name] for name in augmented}}
save_results(
    run,
    models={
        described[name][0]: model_record(
            params=group[0].model.count_params(),
            test_accuracy=summary[name]["clean"].value,
            test_loss=float(np.mean([loss_of(net) for net in group])),
            epochs=epochs[name.split(",")[0]],
            regularization=f"dropout {rates[name.split(',')[0]]}{described[name][1]}",
        )
        for name, group in members.items()
    },
    summary={described[name][0]: {k: vars(v) for k, v in row.items()} for name, row in summary.items()},
    curves={
        described[name][0]: {f"shift, {axis}": [vars(i) for i in curves[axis][name]] for axis in curves}
        for name in summary
    },
    trainings={
        name: {"init_seeds": init_seeds, "test_accuracy": [float(clean[net.name].mean()) for net in augmented[name]]}
        for name in augmented
    },
    claims=claims.recorded(),
    index_table={
        "title": "Looking closer: the saved networks under distortions",
        "caption": (
            f"From part 13's recorded results ({profile} profile): accuracy on the test digits, clean, shifted by 3 "
            "pixels (the four directions pooled), rotated by 20 degrees either way and with Gaussian noise of "
            "standard deviation 0.3, for the two saved networks and for the same architectures retrained on digits "
            f"shifted by up to {augment_shift} pixels (the mean of {trainings} trainings). Brackets hold the 95 % "
            "interval: over the test digits for a saved network, over the trainings for a retrained one."
        ),
        "columns": ["network", *(f"{setting} (%)" for setting in settings)],
        "numeric": list(range(1, len(settings) + 1)),
        "rows": [[described[name][0], *(percent(row[s]) for s in settings)] for name, row in summary.items()],
    },
)
