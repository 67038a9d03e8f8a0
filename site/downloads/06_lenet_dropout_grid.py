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
# # Part 6 · LeNet with dropout
#
# **What this part shows.** Part 4's LeNet with a dropout layer in front of each of its two large
# dense layers. The two rates are searched on a 6x6 grid from 0 to 0.5, 36 networks of 60 epochs
# each, and the best pair is chosen on validation accuracy. Part 7 reuses that pair.
#
# **What it reuses.** Part 4's architecture and padded images; the grid runner and the selection
# rule of parts 3 and 5.
#
# **The idea to take away.** Hyperparameters are chosen on validation data, never on the test set,
# and a grid is read against the noise of retraining: a difference in colour smaller than that noise
# is not a finding.
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
first_rates = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]  # dropout before dense_0 (grid rows)
second_rates = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]  # dropout before dense_1 (grid columns)
# How the grid trains. Another layout can move a network's accuracy in its last digits (float sums in
# another order); the grid cache keeps whichever layout trained a network first.
workers = None  # training processes side by side (None: picked for this computer)
models_per_graph = None  # networks trained together in one Keras model (None: picked for this computer)

# %%
# Setup: the libraries this part uses, then the run (its parameters checked, where its outputs go).
import keras
import numpy as np
from IPython.display import Markdown
from keras import layers

from helpers import claims, plots
from helpers.grid import agreement_summary, run_grid, select, selection_record, selection_summary
from helpers.params import start_run
from helpers.results import load_results, model_record, save_results
from helpers.retraining import train_reruns
from helpers.training import dense_kernels, prepare_mnist

PART = "06_lenet_dropout_grid"
run = start_run(
    PART,
    globals(),
    chapter="The original tutorial, retold",
    summary=("Part 4's LeNet with a dropout layer in front of each of its two large dense layers."),
)
data = prepare_mnist(train_size, test_size, pad=True)
print(data.describe())


# %% [markdown]
# ## Dropout in front of the dense layers
#
# Dropout switches off a random share of a layer's inputs at every training step (and none at test
# time). A unit downstream cannot count on any particular input being there, so it cannot learn to
# correct the quirks of one specific upstream unit; the network then ends up with redundant, more
# robust features, as the dropout paper argues (Srivastava et al. 2014). Here a dropout goes before
# `dense_0` (acting on the 576 flattened convolution outputs) and another before `dense_1` (acting on
# the 120 outputs of `dense_0`). Dropout has no coefficients: the network keeps part 4's 81,194.

# %%
def build_lenet_dropout(rate_0: float, rate_1: float) -> keras.Model:
    """Part 4's LeNet with dropout ``rate_0`` before dense_0 and ``rate_1`` before dense_1."""
    model = keras.Sequential(
        [
            layers.Input(shape=(32, 32, 1)),
            layers.Conv2D(6, kernel_size=3, activation="relu", name="conv_0"),
            layers.AveragePooling2D(pool_size=2, name="pool_0"),
            layers.Conv2D(16, kernel_size=3, activation="relu", name="conv_1"),
            layers.AveragePooling2D(pool_size=2, name="pool_1"),
            layers.Flatten(name="flatten"),
            layers.Dropout(rate_0, name="dropout_0"),
            layers.Dense(120, activation="relu", name="dense_0"),
            layers.Dropout(rate_1, name="dropout_1"),
            layers.Dense(84, activation="relu", name="dense_1"),
            layers.Dense(10, activation="softmax", name="dense_2"),
        ],
    )
    return model


# %% [markdown]
# ### One cell of the grid, trained by hand
#
# Every cell of the grid is this network with its two rates, compiled and trained exactly as part 4
# trained LeNet: Adam, cross-entropy of the integer labels against the softmax, batches of 128, 10 % of
# the training digits held out for validation. Written out with Keras for one cell, for one epoch only
# (the grid trains every cell for all its epochs):

# %% tags=["nbval-ignore-output"]
one_cell = build_lenet_dropout(rate_0=first_rates[-1], rate_1=second_rates[-1])
one_cell.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = one_cell.fit(data.x_train, data.y_train, epochs=1, batch_size=128, validation_split=0.1, verbose=0)
print(
    f"rates ({first_rates[-1]}, {second_rates[-1]}), after one epoch: validation accuracy "
    f"{history.history['val_accuracy'][-1]:.2%}"
)

# %% [markdown]
# The grid runner does the same for every cell: it builds the network, trains it with these settings
# and the part's seed, keeps its history and test score, and caches the result, so that a rebuild reads
# it back instead of training again. It trains several cells at once, side by side in one Keras graph,
# on worker processes (Dask); `workers` and `models_per_graph` say how many.

# %% tags=["nbval-ignore-output"]
grid = [{"rate_0": r0, "rate_1": r1} for r0 in first_rates for r1 in second_rates]
trained = run_grid(
    build_lenet_dropout,
    grid,
    data,
    epochs=epochs,
    seed=seed,
    profile=profile,
    description="dropout grid",
    models_per_graph=models_per_graph,
    workers=workers,
)

# %% [markdown]
# ## How far apart can two trainings land?
#
# Before reading the grid, a yardstick. The selected network, the cell with the best validation
# accuracy, is trained a few more times from other initial weights (`reruns`: ten in the full
# profile); the last section of this page shows them. How far apart its trainings land says how far
# apart two cells can land by luck alone: two trainings of one network differ by less than about
# 2·√2 standard deviations of their accuracy most of the time (95 % if the standard deviation were
# known exactly; estimated from ten reruns, nearer 92 %). In the heatmaps below, a white dot marks
# every cell within that distance of the best: the grid cannot separate those cells from it. A
# missing dot is a hint, not proof: the best of many cells is itself lifted by luck.

# %% tags=["nbval-ignore-output"]
chosen, test_pick = select(trained)
best = trained[chosen]
retrained = train_reruns(
    build_lenet_dropout,
    data,
    point=best.point,
    runs=reruns,
    epochs=epochs,
    seed=seed,
    profile=profile,
)
print(
    f"retraining noise band 2·√2·s: validation {retrained.gap_band('val'):.2f} points, "
    f"test {retrained.gap_band('test'):.2f} points"
)

# %% [markdown]
# Validation accuracy after the last epoch for every pair of rates (what the selection looks at),
# then the test accuracy of the same networks. Red frame: the selected cell; blue: the cell the test
# set would have picked; white dots: the cells within retraining noise of the best. Grey cells, if
# any, lie well below the grid's median (by more than a point and by more than three times the
# grid's typical spread) and are left off the colour scale.

# %% tags=["nbval-ignore-output"]
shape = (len(first_rates), len(second_rates))  # the grid is row-major: one row per first rate
highlight = {"selected (validation)": divmod(chosen, shape[1]), "best on test": divmod(test_pick, shape[1])}
grid_axes = dict(
    rows=first_rates, columns=second_rates, row_title="dropout before dense_0", column_title="dropout before dense_1"
)
fig = plots.accuracy_grid(
    np.reshape([r.val_accuracy for r in trained], shape),
    title="Validation accuracy (%)",
    highlight=highlight,
    noise=retrained.gap_band("val"),
    **grid_axes,
)

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
validation = 100 * np.reshape([r.val_accuracy for r in trained], shape)
floor, top, marked = plots.grid_scale(validation, retrained.gap_band("val"))
Markdown(
    f"The colour scale runs from {floor:.2f} to {top:.2f} %, at least twice the retraining noise; the cells span "
    f"{validation.min():.2f} to {validation.max():.2f} %. "
    + claims.state(
        "no_cell_at_the_bottom_of_the_scale",
        validation.min() > floor,
        "No cell reaches the bottom of the scale: the whole grid is narrower than twice the retraining noise. ",
        "",
    )
    + "Every dotted cell is as good as the best within that noise, and the grid cannot rank them."
)

# %% tags=["nbval-ignore-output"]
fig = plots.accuracy_grid(
    np.reshape([r.test_accuracy for r in trained], shape),
    title="Test accuracy (%)",
    highlight=highlight,
    noise=retrained.gap_band("test"),
    **grid_axes,
)

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
Markdown(
    selection_summary(trained, lambda p: f"dropout {p['rate_0']:g} before dense_0, {p['rate_1']:g} before dense_1")
)

# %% [markdown]
# Does a cell that is better on validation also do better on test digits? Each dot is one cell of the
# grid, its validation accuracy against its test accuracy.

# %% tags=["nbval-ignore-output"]
fig = plots.validation_against_test(
    [r.val_accuracy for r in trained],
    [r.test_accuracy for r in trained],
    selected=chosen,
    noise=retrained.gap_band("val"),
    title="Dropout grid: validation against test accuracy",
)

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
Markdown(agreement_summary(trained, retrained.gap_band("val"), reruns))

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
test_percent = 100 * np.reshape([r.test_accuracy for r in trained], shape)
dotted_val, dotted_test = set(marked), set(plots.grid_scale(test_percent, retrained.gap_band("test"))[2])
corner = (
    f"{validation[0, 0]:.2f} % on validation against the best {validation.max():.2f} %, {test_percent[0, 0]:.2f} % on "
    f"test against the best {test_percent.max():.2f} %"
)
Markdown(
    claims.state(
        "no_dropout_cell_has_no_dot",
        first_rates[0] == second_rates[0] == 0 and (0, 0) not in dotted_val | dotted_test,
        f"The top-left cell, the network without any dropout, carries no dot in either grid: {corner}. ",
        f"The top-left cell carries a dot in at least one grid: {corner}. ",
    )
    + "Part 8's \"dropout or no regularization\" finding sets the selected pair's reruns against part 4's. "
    + f"On test, {len(dotted_test)} of the {test_percent.size} cells carry a dot; {len(dotted_val & dotted_test)} "
    "carry one in both grids"
    + claims.state(
        "selected_pair_one_of_several",
        test_pick != chosen and len(dotted_val & dotted_test) > 1,
        ", and the two frames fall on different cells: the selected pair is one good choice among several, not the "
        "one best pair.",
        ".",
    )
)

# %% [markdown]
# When two cells tie on validation accuracy, the selection keeps the first in grid order (the smaller
# rate before dense_0, then before dense_1), and the sentence under the heatmaps says so.
#
# ## The selected network
#
# The network trained with the selected pair of rates: its training curves, its first-layer filters
# and the coefficients of its dense layers.

# %% tags=["nbval-ignore-output"]
best_model = best.model(build_lenet_dropout)
fig = plots.history_curves(
    best.history, title=f"Selected dropout LeNet ({best.point['rate_0']:g}, {best.point['rate_1']:g})"
)


# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
def curve_facts(history: dict[str, list[float]]) -> tuple[int, float, float, int]:
    """The epoch (from 1) and value of the lowest validation loss, the last one over it, and the epoch from
    which the training accuracy stays above the validation accuracy (one past the last epoch: never)."""
    loss = np.asarray(history["val_loss"])
    behind = np.nonzero(np.asarray(history["accuracy"]) <= np.asarray(history["val_accuracy"]))[0]
    ahead = int(behind.max()) + 2 if len(behind) else 1
    return int(loss.argmin()) + 1, float(loss.min()), float(loss[-1] / loss.min()), ahead


bottom, lowest_loss, rise, ahead_from = curve_facts(best.history)
bottom_4, _, rise_4, ahead_from_4 = curve_facts(load_results(run, "04_lenet")["models"]["LeNet"]["history"])
Markdown(
    f"The selected network's validation loss bottoms out at epoch {bottom} ({lowest_loss:.4f}) and ends "
    f"{rise:.2f} times as high after epoch {epochs}; part 4's LeNet bottomed out at epoch {bottom_4} and ended "
    f"{rise_4:.2f} times as high. "
    + claims.state(
        "validation_loss_rises_less_than_part_4s",
        rise < rise_4,
        "The selected network's validation loss climbs back up less than part 4's. ",
        "The selected network's validation loss climbs back up at least as much as part 4's. ",
    )
    + "The training curves are measured with dropout at work, the validation curves without it. "
    + claims.state(
        "training_accuracy_pulls_ahead_late",
        epochs // 4 < ahead_from <= epochs,
        f"The training accuracy stays above the validation accuracy only from epoch {ahead_from} on (part 4's "
        f"did from epoch {ahead_from_4}), and "
        f"ends at {best.history['accuracy'][-1]:.2%} against {best.val_accuracy:.2%}.",
    )
)

# %% tags=["nbval-ignore-output"]
fig = plots.conv_kernel_heatmaps(
    best_model.get_layer("conv_0").get_weights()[0], title="Selected dropout LeNet: first convolution filters"
)

# %% [markdown]
# Dropout acts on the inputs of the dense layers; it reaches the convolutions through the gradients
# that flow back into them. Part 7 sets these filters against those of the halved network, trained
# from the same seed.

# %% tags=["nbval-ignore-output"]
fig = plots.dense_weight_histograms(
    dense_kernels(best_model), title="Selected dropout LeNet: coefficients of the dense layers"
)

# %% [markdown]
# Unlike part 5's penalty, dropout adds no term for the size of a weight to the loss: it makes each unit
# work with a random subset of its inputs (on average this acts much like a penalty on the weights
# scaled by the data: Wager et al. 2013; Srivastava et al. 2014, section 9.1). The histograms are the
# selected network's three dense layers.

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
dense_0 = np.abs(best_model.get_layer("dense_0").get_weights()[0])
dense_0_sizes = {
    "mean size": float(dense_0.mean()),
    "largest size": float(dense_0.max()),
    "share below 0.001": float((dense_0 < 1e-3).mean()),
}
Markdown(
    f"The `dense_0` coefficients average {dense_0_sizes['mean size']:.4f} in size and reach "
    f"{dense_0_sizes['largest size']:.2f}; {dense_0_sizes['share below 0.001']:.1%} of them are below 0.001 in size"
    + claims.state(
        "dropout_leaves_no_spike_at_zero", dense_0_sizes["share below 0.001"] < 0.05, ": no spike at zero.", "."
    )
)

# %% [markdown]
# ## How much does one training tell?
#
# These are the reruns behind the white dots of the heatmaps: the selected network trained `reruns`
# more times from other initial weights, everything else unchanged (part 1 explains how), set against
# the selected cell's own training.

# %% tags=["nbval-ignore-output"]
fig = plots.rerun_spread(
    retrained.test_accuracy,
    first_run=best.test_accuracy,
    test_images=len(data.y_test),
    title=f"{reruns} more trainings from other initial weights",
)

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
Markdown(retrained.summary(best.test_accuracy))

# %% [markdown]
# The shaded band is ±1 standard deviation of the reruns; a star within about two of them is an
# ordinary draw. The black bar is ±1 standard error of a score measured on this many test digits.
# The star won a selection on validation accuracy among many cells, and a winner of many near-equal
# cells is lifted by luck on average; the reruns' mean is the number no selection has flattered.
# Part 8 compares networks by their reruns' mean and spread, not by single runs.

# %% [markdown]
# ## Try it yourself
#
# 1. Train the cell written out by hand for 5 epochs instead of 1 (`epochs=5` in its `fit` call: under a
#    minute). In a new cell after the grid, compare its last validation accuracy with the grid's for the
#    same cell after the same 5 epochs, `trained[-1].history["val_accuracy"][4]` (the cell with the largest
#    rates comes last in the grid).
#
#    *Hint:* both trainings start from the part's seed, but `fit` and the grid runner draw their batch
#    orders differently.
#
#    <details><summary>Answer</summary>
#
#    Same network, data and settings: the gap between the two is training noise, from the batch order and
#    the dropout masks. The validation band printed above the heatmaps, measured on the selected cell after
#    all its epochs, is a rough yardstick for it; a gap well inside it says that the hand-written training
#    and the grid runner's are the same experiment. With 6,000 validation digits, one digit is 1/60 of a
#    point.
#
#    </details>
#
# 2. Put a third dropout, at `best.point["rate_1"]`, in front of `dense_2`: copy `build_lenet_dropout` as
#    `build` with `layers.Dropout(rate_1, name="dropout_2")` before the last layer, and train it for 20
#    epochs: `seed_everything(seed)`, `model = compile_classifier(build(**best.point))`,
#    `third = fit(model, data, 20)` (import the three from `helpers.training`; a minute or two). Does its
#    validation accuracy differ from the selected cell's after 20 epochs,
#    `best.history["val_accuracy"][19]`, by more than the retraining noise printed above?
#
#    *Hint:* the printed band was measured on the reruns after all the grid's epochs, so at 20 epochs it is
#    a rough yardstick.
#
#    <details><summary>Answer</summary>
#
#    The number to read is `100 * (third["val_accuracy"][-1] - best.history["val_accuracy"][19])`, in
#    points beside the validation band. Inside it, one training of each cannot tell whether the third
#    dropout helps; beyond it, it is a hint worth reruns rather than a finding, since the two trainings
#    also differ in batch order (`fit` against the grid runner). The third dropout adds no coefficients.
#
#    </details>
#
# 3. By how many validation digits does the selected cell lead? In a new cell,
#    `np.sort(validation.ravel())[::-1][:3]` gives the three best validation accuracies in %; turn their
#    gaps, and the validation noise band, into digits. Nothing is trained.
#
#    *Hint:* the validation set holds 6,000 digits, so one digit is 1/60 of a point, and a tie is a gap of
#    zero digits.
#
#    <details><summary>Answer</summary>
#
#    A gap of a few digits out of 6,000 is a handful of images read one way or the other; the band is
#    60 × its points in digits. Where the best cell's lead is smaller than that, the white dots already
#    said so: the grid cannot rank those cells, and which one the selection keeps comes down to a few
#    digits and, on a tie, to the order of the grid.
#
#    </details>

# %% jupyter={"source_hidden": true} tags=["plumbing"]
models = {
    "LeNet, dropout (selected)": model_record(
        params=best.params,
        test_accuracy=best.test_accuracy,
        test_loss=best.test_loss,
        epochs=epochs,
        regularization=f"dropout before the 2 dense layers ({best.point['rate_0']:g}, {best.point['rate_1']:g})",
        val_accuracy=best.val_accuracy,
    )
}
selected = selection_record(trained)
selected_weights = {"conv_0": best_model.get_layer("conv_0").get_weights()[0].tolist(), "dense_0": dense_0_sizes}
save_results(
    run,
    models=models,
    selected=selected,
    reruns=retrained.record(),
    selected_weights=selected_weights,
    claims=claims.recorded(),
)
