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
# # Part 10 · Data and cost
#
# **What this part shows.** Three prices of the convolution, measured. How many training digits each
# network needs for a given error; what "fewer coefficients" means in arithmetic and in time on a CPU;
# and whether LeNet's lead over the dense networks holds on a harder dataset of the same shape,
# Fashion-MNIST.
#
# **What it reuses.** The four headline networks as parts 1, 3, 4 and 7 define them (the 512-wide
# tutorial network, the 128-wide one, LeNet, and the halved LeNet with part 6's dropout rates), rebuilt
# by `helpers.architectures`, which the tests check against the models those parts save. They are
# trained again here under one shorter schedule, so that every comparison on this page uses the same one.
#
# **The idea to take away.** The halved LeNet has fewer coefficients than the 128-wide dense network
# but does more arithmetic per digit: each weight of a convolution is used at every position of its
# output map (`conv_0`'s at 900), each weight of a dense layer once. What the convolution buys is
# measured below, on little data and on harder images.
#
# **Run time.** In the box under this header: from scratch, on the machine that built the site. A run
# by hand prints its own at the end. The full profile trains each network several times
# on each dataset and training-set size, all with the same number of steps (cached, and resumable if
# interrupted); the quick profile a few networks for 2 epochs on a subset.

# %% tags=["parameters"]
profile = "full"  # "full": the complete experiment; "quick": a smoke run on a subset
output_dir = None  # where results go; None: a scratch folder, executed/interactive/
seed = 42  # batch order
train_size = None  # None: all 60,000 training images (of which the last 10 % validate)
test_size = None  # None: all 10,000 test images
epochs = 10  # passes over the full training share; a smaller training set takes the same number of steps
trainings = 5  # trainings of each network on each dataset, from different initial weights
training_sizes = [600, 1200, 2700, 5400, 10800, 27000, 54000]  # each divides the training share
size_trainings = 3  # trainings of each network at each training-set size
latency_repeats = 50  # timed forward passes per network and batch size (the median is reported)
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
from IPython.display import Markdown

from helpers import architectures, claims, plots
from helpers.cost import latency_per_image, machine_name, multiply_accumulates
from helpers.data import FASHION_CLASSES, pad_to_32
from helpers.grid import run_grid
from helpers.params import VALIDATION_SPLIT, start_run, training_share
from helpers.results import load_results, model_record, save_results
from helpers.retraining import InitSeeded, rerun_seeds
from helpers.statistics import LEVEL, bootstrap_interval, compare_family, format_p
from helpers.training import BATCH_SIZE, Mnist, prepare_mnist

PART = "10_data_and_cost"
run = start_run(
    PART,
    globals(),
    chapter="Why convolutions win",
    summary=(
        "Test error against the number of training digits, multiply-accumulates and CPU time per digit, and "
        "the dense networks against LeNet on Fashion-MNIST."
    ),
)

# %% [markdown]
# ## The four networks
#
# Part 7's halved LeNet takes its dropout rates from part 6's pick, which that part recorded:

# %%
part6 = load_results(run, "06_lenet_dropout_grid")
rates = part6["selected"]["point"]
print(f"dropout before dense_0: {rates['rate_0']:g}, before dense_1: {rates['rate_1']:g} (part 6's pick)")

NETWORKS = {
    "Dense 512": architectures.dense_tutorial,
    "Dense 128": lambda: architectures.dense_sized(128),
    "LeNet": architectures.lenet,
    "LeNet, halved": lambda: architectures.lenet_halved(rates["rate_0"], rates["rate_1"]),
}
IS_LENET = {name: name.startswith("LeNet") for name in NETWORKS}
COLOURS = {"Dense 512": "tab:red", "Dense 128": "tab:orange", "LeNet": "tab:purple", "LeNet, halved": "tab:blue"}
seeds = rerun_seeds(seed, trainings)


def train(name: str, data: Mnist, init_seeds: list[int], description: str) -> list:
    """Train network ``name`` once per initial-weight seed on ``data`` (padded for LeNet), cached and resumable."""
    return run_grid(
        InitSeeded(NETWORKS[name]),
        [{"init_seed": s} for s in init_seeds],
        data,
        epochs=epochs,
        seed=seed,
        profile=profile,
        description=description,
        workers=workers,
        models_per_graph=models_per_graph,
    )


def padded(data: Mnist) -> Mnist:
    """The same digits padded to 32x32, as LeNet reads them."""
    return Mnist(pad_to_32(data.x_train), data.y_train, pad_to_32(data.x_test), data.y_test)


# %% jupyter={"source_hidden": true} tags=["remove-input"]
schedules = {part: load_results(run, part)["models"] for part in ("01_dense_tutorial", "04_lenet", "07_lenet_halved")}
longest = max(record["epochs"] for models in schedules.values() for record in models.values())
Markdown(
    f"All of them train here with the series' settings (Adam, batches of {BATCH_SIZE}, the last "
    f"{100 * VALIDATION_SPLIT:.0f} % of the training images held out for validation) for {epochs} epochs, where "
    f"parts 1-7 trained them for up to {longest}: their accuracies here sit below those parts'. What this page "
    "compares is the networks against each other under one schedule."
)


# %% [markdown]
# ## How many digits does each network need?
#
# Sample efficiency is the test error a network reaches from a given number of training examples. The
# dense network of 128 units and the halved LeNet, the two sized networks of part 7, are trained on the
# first 600, 1,200, … up to all 54,000 digits of the *training share* (the training images left once
# the last tenth is held out for validation), `size_trainings` times each.
#
# **The rule for small sets: the same number of steps.** A smaller set is repeated until it fills the
# places of the whole training share (600 digits 90 times over for 54,000 places), so every network
# takes the same number of optimiser steps as one trained on all of it, and sees the same validation
# digits. Early stopping
# on validation was the other choice; equal steps was taken because it needs no stopping rule, keeps
# the cost of every point equal, and lets a small set's network train as long as a large set's. The
# price: a small set is seen many times over (the training accuracy after the table says how well its
# networks end up fitting it), and the test error below is the one after the last step, not the best
# one along the way.

# %% tags=["nbval-ignore-output"]
def first_digits(data: Mnist, size: int) -> Mnist:
    """The first ``size`` digits of the training share, repeated to fill it; validation and test unchanged."""
    share = training_share(len(data.x_train))
    copies = share // size
    return Mnist(
        np.concatenate([np.tile(data.x_train[:size], (copies, 1, 1)), data.x_train[share:]]),
        np.concatenate([np.tile(data.y_train[:size], copies), data.y_train[share:]]),
        data.x_test,
        data.y_test,
    )


mnist = prepare_mnist(train_size, test_size)
fashion = prepare_mnist(train_size, test_size, fashion=True)
on_mnist = {}
for name in NETWORKS:
    digits = padded(mnist) if IS_LENET[name] else mnist
    on_mnist[name] = train(name, digits, seeds, f"{name}, MNIST")

sizes = {}
for name in ("Dense 128", "LeNet, halved"):
    for size in training_sizes:
        subset = first_digits(mnist, size)
        digits = padded(subset) if IS_LENET[name] else subset
        sizes[name, size] = train(name, digits, seeds[:size_trainings], f"{name}, {size:,} digits")
errors = pd.DataFrame(
    [
        {
            "network": name,
            "training digits": size,
            "init seed": r.point["init_seed"],
            "error (%)": 100 * (1 - r.test_accuracy),
        }
        for (name, size), results in sizes.items()
        for r in results
    ]
)
by_size = errors.groupby(["network", "training digits"])["error (%)"].agg(["mean", "min", "max"]).reset_index()
by_size.pivot(index="training digits", columns="network", values="mean").round(2)

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
smallest = training_sizes[0]
fitted = {
    name: (
        100 * np.mean([r.history["accuracy"][-1] for r in sizes[name, smallest]]),
        100 * np.mean([r.test_accuracy for r in sizes[name, smallest]]),
    )
    for name in ("Dense 128", "LeNet, halved")
}
Markdown(
    f"With {smallest:,} training digits, "
    + claims.state(
        "small_sets_fitted_far_better_than_test",
        all(seen - unseen > 5 for seen, unseen in fitted.values()),
        "both networks fit their set far better than they read new digits: "
        + ", ".join(
            f"{name} ends with a training accuracy of {seen:.1f} % (as Keras logs it, dropout active) against "
            f"{unseen:.1f} % on the test digits"
            for name, (seen, unseen) in fitted.items()
        )
        + ".",
        "the networks' training and test accuracies stay within 5 points of each other.",
    )
)

# %% [markdown]
# The table gives each network's mean test error (%) over its trainings at each size. The same, on
# logarithmic axes, with a straight line fitted to each network's means: on such axes a power law
# (error proportional to digits to some power) is a straight line whose slope is that power.

# %% tags=["nbval-ignore-output"]
slopes = {}
fig, ax = plt.subplots(figsize=(7, 4.6))
for name in ("Dense 128", "LeNet, halved"):
    rows = by_size[by_size["network"] == name]
    n, mean = rows["training digits"].to_numpy(), rows["mean"].to_numpy()
    slope, intercept = np.polyfit(np.log10(n), np.log10(mean), 1)
    slopes[name] = float(slope)
    ax.fill_between(n, rows["min"], rows["max"], color=COLOURS[name], alpha=0.25, lw=0)
    ax.plot(n, mean, "o-", color=COLOURS[name], label=f"{name}: mean of {size_trainings}, slope {slope:.2f}")
    ax.plot(n, 10 ** (intercept + slope * np.log10(n)), ":", color=COLOURS[name], lw=1)
ax.set(xscale="log", yscale="log", xlabel="training digits", ylabel="test error (%)")
ax.set_xticks(training_sizes, [f"{s:,}" for s in training_sizes], rotation=30)
ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}"))
ax.legend(title="band: lowest to highest training")
ax.grid(True, which="both", alpha=0.3)
fig.tight_layout()

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
mean_error = by_size.pivot(index="training digits", columns="network", values="mean")
ratio = mean_error["Dense 128"] / mean_error["LeNet, halved"]
last_doubling = mean_error.iloc[-2] / mean_error.iloc[-1]
smallest, largest = training_sizes[0], training_sizes[-1]
fewer_needed = mean_error.index[mean_error["LeNet, halved"] <= mean_error["Dense 128"].loc[largest]]
Markdown(
    claims.state(
        "lenet_fewer_errors_at_every_size",
        bool((ratio > 1).all()),
        f"The halved LeNet makes fewer errors than Dense 128 at every size: "
        f"{ratio.loc[smallest]:.1f} times fewer with {smallest:,} digits "
        f"({mean_error['Dense 128'].loc[smallest]:.1f} % against {mean_error['LeNet, halved'].loc[smallest]:.1f} %), "
        f"{ratio.loc[largest]:.1f} times fewer with {largest:,} "
        f"({mean_error['Dense 128'].loc[largest]:.2f} % against {mean_error['LeNet, halved'].loc[largest]:.2f} %).",
        "The two networks' errors cross: neither makes fewer errors at every size (see the table).",
    )
    + " "
    + claims.state(
        "lenet_needs_fewer_digits",
        len(fewer_needed) > 0 and fewer_needed.min() < largest,
        f"LeNet reaches the dense network's error at {largest:,} digits from only "
        f"{(fewer_needed.min() if len(fewer_needed) else largest):,}.",
    )
    + f" Fitted on these axes, the error falls as the number of digits to the power "
    f"{slopes['Dense 128']:.2f} for Dense 128 and {slopes['LeNet, halved']:.2f} for the halved LeNet: "
    + claims.state(
        "lenet_line_is_steeper",
        slopes["LeNet, halved"] < slopes["Dense 128"],
        "LeNet's line is the steeper. ",
        "the dense network's line is at least as steep as LeNet's. ",
    )
    + f"A straight line is a summary, not the whole curve: the last doubling, from {training_sizes[-2]:,} to "
    f"{largest:,} digits, divides the dense network's error by {last_doubling['Dense 128']:.2f} and LeNet's by "
    f"{last_doubling['LeNet, halved']:.2f}."
)

# %% [markdown]
# ## What the coefficients cost in compute
#
# A coefficient is stored once; how often it is *used* per digit is another matter. A dense layer uses
# each weight once per digit. A convolution uses each of its weights at every position of its output
# map: `conv_0`'s 54 weights at 900 positions. The work is counted in multiply-accumulates (MACs: one
# multiplication and one addition, `a * b + c`), layer by layer from the shapes (`multiply_accumulates`
# in `helpers/cost.py`, checked in the tests against counts done by hand), and the time is measured: the
# median over `latency_repeats` forward passes of one batch, one digit alone (batch 1) and 1,024 at a
# time, on the machine that built this page.

# %% tags=["nbval-ignore-output"]
test_digits = {False: mnist.x_test, True: pad_to_32(mnist.x_test)}
cost_rows = []
for name, build in NETWORKS.items():
    model = build()
    macs = sum(multiply_accumulates(model).values())
    per_image = {
        batch: latency_per_image(model, test_digits[IS_LENET[name]], batch_size=batch, repeats=latency_repeats)
        for batch in (1, 1024)
    }
    cost_rows.append(
        {
            "network": name,
            "coefficients": model.count_params(),
            "MACs per digit": macs,
            "uses of each coefficient": macs / model.count_params(),
            "µs per digit, batch 1": 1e6 * per_image[1],
            "µs per digit, batch 1,024": 1e6 * per_image[1024],
        }
    )
cost = pd.DataFrame(cost_rows).set_index("network")
print(f"Timed on {machine_name()}, Keras {keras.__version__} on {keras.backend.backend()}.")
plots.styled_table(
    cost.reset_index(),
    formats={
        "coefficients": "{:,}",
        "MACs per digit": "{:,}",
        "uses of each coefficient": "{:.1f}",
        "µs per digit, batch 1": "{:,.0f}",
        "µs per digit, batch 1,024": "{:.1f}",
    },
    text_columns=["network"],
)

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
small, big = cost.loc["LeNet, halved"], cost.loc["Dense 128"]
single, in_batches = cost["µs per digit, batch 1"], cost["µs per digit, batch 1,024"]
Markdown(
    claims.state(
        "halved_lenet_fewer_coefficients_more_macs",
        small["coefficients"] < big["coefficients"] and small["MACs per digit"] > big["MACs per digit"],
        f"**Smaller is two different things.** The halved LeNet has {small['coefficients'] / big['coefficients']:.2f} "
        f"times Dense 128's coefficients but does {small['MACs per digit'] / big['MACs per digit']:.1f} times its "
        "multiply-accumulates per digit: it is smaller to store and to send, and bigger to run. ",
    )
    + claims.state(
        "lenet_slower_per_digit_in_batches",
        small["µs per digit, batch 1,024"] > big["µs per digit, batch 1,024"],
        f"In batches of 1,024 it takes {small['µs per digit, batch 1,024'] / big['µs per digit, batch 1,024']:.1f} "
        "times as long per digit on this CPU. ",
        f"Yet in batches of 1,024 it takes no longer per digit on this CPU "
        f"({small['µs per digit, batch 1,024']:.1f} µs against {big['µs per digit, batch 1,024']:.1f}). ",
    )
    + claims.state(
        "one_digit_at_a_time_costs_the_call_not_the_arithmetic",
        min(alone / batched for alone, batched in zip(single, in_batches, strict=True)) > 10,
        f"One digit at a time, they take {small['µs per digit, batch 1']:,.0f} and {big['µs per digit, batch 1']:,.0f} "
        f"µs, {small['µs per digit, batch 1'] / small['µs per digit, batch 1,024']:,.0f} and "
        f"{big['µs per digit, batch 1'] / big['µs per digit, batch 1,024']:,.0f} times their time per digit in "
        f"batches; every network in the table pays {min(single / in_batches):,.0f} times or more: a single call "
        "costs far more than its arithmetic. ",
    )
    + "A timing holds for the machine and the load it was measured under; the MAC counts hold everywhere."
)

# %% [markdown]
# ## A harder dataset: Fashion-MNIST
#
# Fashion-MNIST (Zalando Research, 2017; MIT licence, © Zalando SE) has MNIST's exact shape, 60,000
# training and 10,000 test images of 28x28 grey pixels in ten classes, but the images are clothing
# photographs, whose classes overlap more than digits do (a shirt, a T-shirt and a pullover). The
# series reads it like MNIST, offline: Keras's cache, then the project file `make data` builds from
# Debian's `dataset-fashion-mnist` package, checked against the digests of its arrays.

# %% tags=["nbval-ignore-output"]
fig = plt.figure(figsize=(7.2, 6.6), layout="constrained")
for half, panel in enumerate(fig.subfigures(2, 1, hspace=0.06)):  # five classes each, two images under each name
    axes = panel.subplots(2, 5, gridspec_kw={"hspace": 0.02})
    for column, pair in enumerate(axes.T):
        label = 5 * half + column
        for ax, index in zip(pair, np.flatnonzero(fashion.y_train == label)[:2], strict=True):
            ax.imshow(fashion.x_train[index], cmap="gray_r", vmin=0, vmax=1)
            ax.set_axis_off()
        pair[0].set_title(FASHION_CLASSES[label], fontsize=11)

# %% [markdown]
# The same four networks, unchanged, are trained on it `trainings` times each, with the same schedule,
# beside the trainings on MNIST above. The table compares the same two pairs as part 8 on both
# datasets: the tutorial's dense network against LeNet, and the two sized networks. The four
# comparisons are one family: each interval is Welch's at the level that holds for all four together,
# each verdict from an exact permutation test adjusted by Holm's method, as in part 8.

# %% tags=["nbval-ignore-output"]
on_fashion = {}
for name in NETWORKS:
    clothes = padded(fashion) if IS_LENET[name] else fashion
    on_fashion[name] = train(name, clothes, seeds, f"{name}, Fashion-MNIST")
accuracy = {
    (dataset, name): 100 * np.array([r.test_accuracy for r in results])
    for dataset, trained in (("MNIST", on_mnist), ("Fashion-MNIST", on_fashion))
    for name, results in trained.items()
}
PAIRS = {
    f"{dataset}: {first} against {second}": ((dataset, first), (dataset, second))
    for dataset in ("MNIST", "Fashion-MNIST")
    for first, second in (("LeNet", "Dense 512"), ("LeNet, halved", "Dense 128"))
}
labels = {key: f"{key[1]} ({key[0]})" for key in accuracy}
family = compare_family(
    {name: (labels[a], labels[b]) for name, (a, b) in PAIRS.items()}, {labels[k]: v for k, v in accuracy.items()}
)
pd.DataFrame(
    [
        {
            "comparison": name,
            "accuracy (%), mean ± s.d.": f"{accuracy[a].mean():.2f} ± {accuracy[a].std(ddof=1):.2f} against "
            f"{accuracy[b].mean():.2f} ± {accuracy[b].std(ddof=1):.2f}",
            "difference (points)": f"{c.difference:+.2f} ({c.low:+.2f} to {c.high:+.2f})",
            "errors (%)": f"{c.error_first:.2f} against {c.error_second:.2f}",
            "fewer errors": f"{c.fewer_errors:+.0f} %",
            "p (Holm)": format_p(c.p_adjusted),
            "verdict": c.verdict.replace(labels[a], a[1]),
        }
        for (name, (a, b)), c in zip(PAIRS.items(), family.values(), strict=True)
    ]
).set_index("comparison")

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
family_level = 100 * (1 - (1 - LEVEL) / len(PAIRS))
NAMED_PAIRS = {
    "LeNet over the 512-wide network": ("LeNet", "Dense 512"),
    "the halved LeNet over Dense 128": (
        "LeNet, halved",
        "Dense 128",
    ),
}


def on_both(pair: tuple[str, str]) -> tuple:
    """The pair's comparison on MNIST and on Fashion-MNIST."""
    return tuple(family[f"{dataset}: {pair[0]} against {pair[1]}"] for dataset in ("MNIST", "Fashion-MNIST"))


def errors_change(fewer: float) -> str:
    """A relative error reduction in words: ``38 % fewer errors`` or ``12 % more errors``."""
    return f"{abs(fewer):.0f} % {'fewer' if fewer >= 0 else 'more'} errors"


def lead(pair: tuple[str, str]) -> str:
    """LeNet's lead in points on both datasets, and its error reduction on each."""
    on_digits, on_clothes = on_both(pair)
    return (
        f"{on_digits.difference:+.2f} points on MNIST and {on_clothes.difference:+.2f} on Fashion-MNIST "
        f"({errors_change(on_digits.fewer_errors)} on MNIST, {errors_change(on_clothes.fewer_errors)} on "
        "Fashion-MNIST)"
    )


points_overlap = all(
    on_both(pair)[0].difference < on_both(pair)[1].difference and on_both(pair)[1].low <= on_both(pair)[0].high
    for pair in NAMED_PAIRS.values()
)


def fewer_errors(convolutional: np.ndarray, dense: np.ndarray) -> float:
    """How many fewer errors (in % of the dense network's) the convolutional network makes, from accuracies in %."""
    return 100 * (convolutional.mean() - dense.mean()) / (100 - dense.mean())


def narrowing(pair: tuple[str, str]) -> tuple[float, float]:
    """The bootstrap interval (over each network's trainings) of how much smaller the share of errors removed
    is on Fashion-MNIST than on MNIST, in percentage points of that share."""
    samples = [accuracy[dataset, name] for dataset in ("MNIST", "Fashion-MNIST") for name in pair]
    return bootstrap_interval(samples, lambda a, b, c, d: fewer_errors(a, b) - fewer_errors(c, d))


narrowed = {name: narrowing(pair) for name, pair in NAMED_PAIRS.items()}
share_shrinks = all(low > 0 for low, _ in narrowed.values())
Markdown(
    f"Intervals are {family_level:.1f} % Welch intervals, so that all four hold together at {100 * LEVEL:.0f} %. "
    + claims.state(
        "the_convolutional_network_higher_in_every_comparison",
        all(c.significant and c.difference > 0 for c in family.values()),
        "In all four comparisons the convolutional network scores higher, beyond noise, on both datasets.",
    )
    + "\n\n"
    + "\n".join(f"- The lead of {name}: {lead(pair)}." for name, pair in NAMED_PAIRS.items())
    + "\n\nDoes the gap widen on the harder images? "
    + claims.state(
        "the_lead_in_points_is_not_shown_to_widen",
        points_overlap,
        "**In accuracy points, not measurably:** both leads are larger on Fashion-MNIST, but each one's interval "
        "there overlaps its interval on MNIST, so five trainings of each network cannot tell them apart. ",
    )
    + claims.state(
        "the_share_of_errors_removed_shrinks",
        share_shrinks,
        "**As a share of the errors, it narrows:** the convolutional networks remove a smaller share of the "
        "dense networks' errors on Fashion-MNIST than on MNIST (the percentages above). The share falls by "
        + " and by ".join(
            f"{on_both(pair)[0].fewer_errors - on_both(pair)[1].fewer_errors:.0f} points for {name} "
            f"(95 % bootstrap interval over the trainings {low:.0f} to {high:.0f})"
            for (name, pair), (low, high) in zip(NAMED_PAIRS.items(), narrowed.values(), strict=True)
        )
        + ".",
    )
)

# %% [markdown]
# ## What this part found

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
findings = [
    claims.state(
        "lenet_fewer_errors_at_every_size",
        bool((ratio > 1).all()),
        f"With the same number of steps, the halved LeNet makes fewer errors than Dense 128 from {smallest:,} to "
        f"{largest:,} training digits ({ratio.loc[smallest]:.1f} times fewer at the smallest size, "
        f"{ratio.loc[largest]:.1f} at the largest); fitted slopes {slopes['LeNet, halved']:.2f} and "
        f"{slopes['Dense 128']:.2f} on log-log axes.",
        "Neither sized network makes fewer errors at every training-set size.",
    ),
    f"The halved LeNet stores {small['coefficients'] / big['coefficients']:.2f} times Dense 128's coefficients "
    f"and computes {small['MACs per digit'] / big['MACs per digit']:.1f} times its multiply-accumulates per digit.",
    f"LeNet's lead over the 512-wide network: {lead(('LeNet', 'Dense 512'))}. The halved LeNet's over Dense 128: "
    f"{lead(('LeNet, halved', 'Dense 128'))}."
    + claims.state(
        "leads_larger_in_points_smaller_in_share",
        points_overlap and share_shrinks,
        " In points both leads are larger on the harder images but within noise of MNIST's; as a share of the "
        "errors they shrink.",
        "",
    ),
]
Markdown("\n".join(f"* {line}" for line in findings))


# %% [markdown]
# ## Try it yourself
#
# 1. Under the first figure the page gives the factor by which the last doubling, from 27,000 to 54,000
#    digits, divides each network's error. After the page has run, compute the first doubling's in a new
#    cell, `mean_error.loc[600] / mean_error.loc[1200]`, and set both beside the factor the fitted line
#    implies, 2 to the power of minus its slope (the slope is in the legend). Does every doubling of the
#    data buy the same factor? Nothing is trained.
#
#    *Hint:* on log-log axes a line of slope s means an error proportional to digits^s, so each doubling
#    multiplies the error by 2^s, the same at every size.
#
#    <details><summary>Answer</summary>
#
#    A straight line would divide the error by 2^(−s) at every doubling. Where the first doubling's
#    factor is above that and the last one's below, the curve flattens towards 54,000 digits and the
#    fitted slope averages a steep start and a flat end. Either way the line summarises the sizes
#    measured; it does not promise what the next doubling would buy.
#
#    </details>
#
# 2. The MAC count of `conv_1` is 13 x 13 x 3 x 3 x 6 x 16. Say what each factor is and check it with
#    `multiply_accumulates(architectures.lenet())["conv_1"]`. Then count the halved LeNet's other layers
#    by hand (check with `multiply_accumulates(NETWORKS["LeNet, halved"]())`): what share of its MACs do
#    the two convolutions do, and what share of its coefficients do they hold? Nothing is trained.
#
#    *Hint:* a convolution does one MAC per weight per output position, a dense layer with n inputs and m
#    units n x m; a 3x3 convolution without padding makes a map 2 pixels smaller, a 2x2 pooling halves it
#    (rounding down).
#
#    <details><summary>Answer</summary>
#
#    13 x 13 is `conv_1`'s output map (`pool_0`'s 15x15 less 2), 3 x 3 its kernel, 6 the maps it reads
#    (one per filter of `conv_0`) and 16 its filters: 146,016 MACs. In the halved LeNet `conv_0` does
#    30 x 30 x 3 x 3 x 1 x 6 = 48,600 and the dense layers 576 x 60 = 34,560, 60 x 42 = 2,520 and
#    42 x 10 = 420, 232,116 in all, the table's count. The convolutions do 194,616 of them, about 84 %,
#    with 60 + 880 = 940 of the 38,552 coefficients, about 2.4 %: each of their weights is used at every
#    position of its map.
#
#    </details>
#
# 3. Does the halved LeNet's lead at 600 digits survive shorter training? Set `epochs = 3`,
#    `training_sizes = [600, 5400, 54000]`, `trainings = 2` and `size_trainings = 2`, and rerun the
#    part. It retrains every network of the page, each for three tenths of the steps: about a tenth of
#    the network-epochs of the full run, whose time the header gives.
#
#    *Hint:* read the 600-digit row of the table beside the figure's bands, which run from the lowest to
#    the highest training.
#
#    <details><summary>Answer</summary>
#
#    No interval is computed for these points, so the bands are the evidence: if LeNet's whole band at
#    600 digits lies below Dense 128's, the lead holds for these trainings; if they overlap, two
#    trainings cannot tell. The sentence under the figure is checked again and says that the two
#    networks' errors cross if LeNet's mean is not lower at every size. The Fashion-MNIST table then
#    rests on two trainings of each network: leave it aside.
#
#    </details>

# %% jupyter={"source_hidden": true} tags=["plumbing"]
def network_record(name: str, results: list, dataset: str) -> dict:
    """One network's model record on one dataset: the mean over its trainings."""
    return model_record(
        params=results[0].params,
        test_accuracy=float(np.mean([r.test_accuracy for r in results])),
        test_loss=float(np.mean([r.test_loss for r in results])),
        epochs=epochs,
        regularization=f"as in its part; {dataset}; mean of {len(results)} trainings",
    )


save_results(
    run,
    models={
        f"{name}, {dataset}": network_record(name, trained[name], dataset)
        for dataset, trained in (("MNIST", on_mnist), ("Fashion-MNIST", on_fashion))
        for name in NETWORKS
    },
    sample_efficiency=errors.to_dict(orient="records"),
    slopes=slopes,
    cost=cost.reset_index().to_dict(orient="records"),
    machine=machine_name(),
    accuracy={f"{key[0]}: {key[1]}": values.tolist() for key, values in accuracy.items()},
    comparisons={
        name: {
            "difference": c.difference,
            "low": c.low,
            "high": c.high,
            "p_adjusted": c.p_adjusted,
            "verdict": c.verdict,
        }
        for name, c in family.items()
    },
    claims=claims.recorded(),
)
