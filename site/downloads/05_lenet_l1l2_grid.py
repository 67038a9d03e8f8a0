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
# # Part 5 · LeNet with L1-L2 (elastic net) penalties
#
# **What this part shows.** Part 4's LeNet with penalties on the weights of its two large dense
# layers. The strength of the penalties on the first one is searched on a 6x6 grid, 36 networks of
# 60 epochs each; the second layer gets a fixed, mild penalty. The best cell is chosen on validation
# accuracy.
#
# **What it reuses.** Part 4's architecture and padded images; the grid runner of part 3.
#
# **The idea to take away.** A grid search ranks its cells by one training each: cells that differ by
# less than the retraining noise cannot be ranked, and the winner of many near-equal cells owes part
# of its lead to luck.
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
l1_values = [0.0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2]  # L1 coefficient of dense_0 (grid rows)
l2_values = [0.0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2]  # L2 coefficient of dense_0 (grid columns)
fixed_penalty = 1e-6  # L1 and L2 coefficient of dense_1
# How the grid trains. Another layout can move a network's accuracy in its last digits (float sums in
# another order); the grid cache keeps whichever layout trained a network first.
workers = None  # training processes side by side (None: picked for this computer)
models_per_graph = None  # networks trained together in one Keras model (None: picked for this computer)

# %%
# Setup: the libraries this part uses, then the run (its parameters checked, where its outputs go).
import keras
import numpy as np
from IPython.display import Markdown
from keras import layers, regularizers

from helpers import claims, plots
from helpers.grid import agreement_summary, run_grid, select, selection_record, selection_summary
from helpers.params import start_run
from helpers.results import load_results, model_record, save_results
from helpers.retraining import train_reruns
from helpers.training import dense_kernels, prepare_mnist

PART = "05_lenet_l1l2_grid"
run = start_run(
    PART,
    globals(),
    chapter="The original tutorial, retold",
    summary=("Part 4's LeNet with penalties on the weights of its two large dense layers."),
)
data = prepare_mnist(train_size, test_size, pad=True)
print(data.describe())


# %% [markdown]
# ## The elastic net
#
# An L1-L2 penalty adds the size of the weights to the loss the optimiser minimises:
#
# $$
# \hat{\theta} = \underset{\theta}{\mathrm{arg\,min}}\;
# \mathcal{L}(X, y; \theta) + \lambda_1 \lVert \theta \rVert_1 + \lambda_2 \lVert \theta \rVert_2^2
# $$
#
# where $\mathcal{L}$ is the cross-entropy on the images $X$ with labels $y$, $\theta$ the penalised
# weights and $\lambda_1, \lambda_2 \ge 0$ the strengths of the two penalties. (Keras's `l1_l2`
# regularizer adds exactly these two terms, without the factor 1/2 some texts put before the L2 one.)
# The two pull differently. The L2 term shrinks every weight in proportion to its size, so large
# weights are expensive and small ones almost free: its level sets are spheres. The L1 term costs the
# same for every unit of size, whatever the weight; its level sets are diamonds (cross-polytopes, in
# many dimensions) whose corners lie on the axes, where many weights are exactly zero: it pulls weights
# towards zero. Combined, they are known as the elastic net.
#
# The penalties go on the kernels of the two large dense layers (120 and 84 neurons), which hold
# most of LeNet's coefficients. The builder takes the first layer's two strengths as arguments; the
# second layer's are fixed.

# %%
def build_lenet_l1l2(l1: float, l2: float) -> keras.Model:
    """Part 4's LeNet with an L1-L2 penalty (l1, l2) on dense_0 and a fixed mild one on dense_1."""
    model = keras.Sequential(
        [
            layers.Input(shape=(32, 32, 1)),
            layers.Conv2D(6, kernel_size=3, activation="relu", name="conv_0"),
            layers.AveragePooling2D(pool_size=2, name="pool_0"),
            layers.Conv2D(16, kernel_size=3, activation="relu", name="conv_1"),
            layers.AveragePooling2D(pool_size=2, name="pool_1"),
            layers.Flatten(name="flatten"),
            layers.Dense(120, activation="relu", kernel_regularizer=regularizers.l1_l2(l1, l2), name="dense_0"),
            layers.Dense(
                84,
                activation="relu",
                kernel_regularizer=regularizers.l1_l2(fixed_penalty, fixed_penalty),
                name="dense_1",
            ),
            layers.Dense(10, activation="softmax", name="dense_2"),
        ],
    )
    return model


# %% [markdown]
# ## The grid
#
# One network per pair (L1, L2). `run_grid` trains them several at a time in one Keras graph and
# keeps every finished network on disk, so the 36 trainings can be interrupted and resumed.

# %% tags=["nbval-ignore-output"]
grid = [{"l1": l1, "l2": l2} for l1 in l1_values for l2 in l2_values]
trained = run_grid(
    build_lenet_l1l2,
    grid,
    data,
    epochs=epochs,
    seed=seed,
    profile=profile,
    description="L1-L2 grid",
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
    build_lenet_l1l2,
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
# Validation accuracy after the last epoch, for every cell: this is what the selection looks at.
# The red frame marks the selected cell, the blue one the cell the test set would have picked. The
# white dots mark the cells within retraining noise of the best. The colours span the bulk of the
# grid, and never less than twice that noise; a grey cell lies well below the grid's median (by more
# than a point and by more than three times the grid's typical spread: strong penalties slow learning
# down) and is left off the colour scale so that the differences among the others stay visible. Its
# number still gives its score.

# %% tags=["nbval-ignore-output"]
shape = (len(l1_values), len(l2_values))  # the grid is row-major: one row per λ1
highlight = {"selected (validation)": divmod(chosen, shape[1]), "best on test": divmod(test_pick, shape[1])}
grid_axes = dict(rows=l1_values, columns=l2_values, row_title="λ1 (L1) on dense_0", column_title="λ2 (L2) on dense_0")
fig = plots.accuracy_grid(
    np.reshape([r.val_accuracy for r in trained], shape),
    title="Validation accuracy (%)",
    highlight=highlight,
    noise=retrained.gap_band("val"),
    **grid_axes,
)

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
validation = 100 * np.reshape([r.val_accuracy for r in trained], shape)
strongest_l1, strongest_l2 = validation[-1, :], validation[:, -1]
milder = validation[:-1, :-1]
lowest_rows = [l1 for l1, row in zip(l1_values, validation, strict=True) if row[-1] == row.min()]
highest_rows = [l1 for l1, row in zip(l1_values, validation, strict=True) if row[-1] == row.max()]


def strengths(values: list[float]) -> str:
    """Strengths as a list in words: "0, 1e-06 and 1e-05"."""
    words = [f"{v:g}" for v in values]
    return " and ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else "".join(words)


Markdown(
    claims.state(
        "strongest_l1_row_is_the_grids_worst",
        strongest_l1.mean() < min(validation[:-1, :].mean(axis=1)),
        f"The strongest L1 penalty (λ1 = {l1_values[-1]:g}, the bottom row) costs accuracy: its cells average "
        f"**{strongest_l1.mean():.2f} %**, the lowest of any row (the cells with milder penalties of both kinds "
        f"average {milder.mean():.2f} %).",
    )
    + " "
    + claims.state(
        "strongest_l2_column_costs_less",
        strongest_l2.mean() > strongest_l1.mean(),
        f"The strongest L2 penalty (λ2 = {l2_values[-1]:g}, the right-hand column) costs less: its cells average "
        f"**{strongest_l2.mean():.2f} %**, and its best cell scores {strongest_l2.max():.2f} %.",
    )
    + " "
    + claims.state(
        "strongest_l2_not_lowest_in_every_row",
        bool(lowest_rows) and bool(highest_rows),
        f"It does not lower every row: its cell is the lowest of its row for λ1 = {strengths(lowest_rows)}, and the "
        f"highest for λ1 = {strengths(highest_rows)}.",
    )
)

# %% [markdown]
# Away from the strongest penalties the cells differ far less; the test accuracies of the same
# networks show whether those small differences hold up on other digits.

# %% tags=["nbval-ignore-output"]
fig = plots.accuracy_grid(
    np.reshape([r.test_accuracy for r in trained], shape),
    title="Test accuracy (%)",
    highlight=highlight,
    noise=retrained.gap_band("test"),
    **grid_axes,
)

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
Markdown(selection_summary(trained, lambda p: f"λ1 = {p['l1']:g}, λ2 = {p['l2']:g}"))

# %% [markdown]
# Does a cell that is better on validation also do better on test digits? Each dot is one cell of the
# grid, its validation accuracy against its test accuracy.

# %% tags=["nbval-ignore-output"]
fig = plots.validation_against_test(
    [r.val_accuracy for r in trained],
    [r.test_accuracy for r in trained],
    selected=chosen,
    noise=retrained.gap_band("val"),
    title="L1-L2 grid: validation against test accuracy",
)

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
Markdown(agreement_summary(trained, retrained.gap_band("val"), reruns))

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
test_percent = 100 * np.reshape([r.test_accuracy for r in trained], shape)
dotted_val = set(plots.grid_scale(validation, retrained.gap_band("val"))[2])
dotted_test = set(plots.grid_scale(test_percent, retrained.gap_band("test"))[2])
picked_l1, picked_l2 = best.point["l1"], best.point["l2"]
kind = "an elastic net" if picked_l1 and picked_l2 else "a plain L1 penalty" if picked_l1 else "a plain L2 penalty"
Markdown(
    f"On test, the white dots cover {len(dotted_test)} of the {validation.size} cells; "
    f"{len(dotted_val & dotted_test)} carry one in both grids. "
    + claims.state(
        "selected_cell_is_one_of_several",
        len(dotted_val) > 1,
        "The selected cell is one of several that the grid cannot tell apart, not a clear winner. ",
        "No other cell comes within retraining noise of the selected one on validation. ",
    )
    + claims.state(
        "strongest_l1_row_lowest_on_test",
        int(np.argmin(test_percent.mean(axis=1))) == len(l1_values) - 1,
        f"On test too, the bottom row is the lowest: its cells average {test_percent[-1].mean():.2f} %.",
        f"On test, the bottom row is not the lowest: its cells average {test_percent[-1].mean():.2f} %.",
    )
    + "\n\n"
    + claims.state(
        "no_penalty_on_dense_0_wins",
        picked_l1 == 0 and picked_l2 == 0,
        "No penalty on `dense_0` beats none: the selected cell is λ1 = λ2 = 0, part 4's LeNet with only the fixed "
        f"penalty on `dense_1` (λ1 = λ2 = {fixed_penalty:g}) that every cell shares. It is no elastic net.",
        f"The selected cell, λ1 = {picked_l1:g} and λ2 = {picked_l2:g}, puts {kind} on `dense_0` (an L2 penalty in "
        "the loss is, under Adam, not the same as weight decay), besides the fixed penalty on `dense_1` "
        f"(λ1 = λ2 = {fixed_penalty:g}) that every cell shares.",
    )
)

# %% [markdown]
# ## The selected network
#
# Its training curves, first-layer filters and dense-layer coefficients, then the dense-layer
# coefficients of a penalised cell of the grid. Every cell started from the same initial weights and
# saw the same batches, so the penalty on `dense_0` is the only difference between them (`dense_1`
# keeps its fixed penalty in every cell).

# %% tags=["nbval-ignore-output"]
best_model = best.model(build_lenet_l1l2)
fig = plots.history_curves(
    best.history, title=f"Selected L1-L2 LeNet (λ1 = {best.point['l1']:g}, λ2 = {best.point['l2']:g})"
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
bottom_4, _, rise_4, _ = curve_facts(load_results(run, "04_lenet")["models"]["LeNet"]["history"])
Markdown(
    f"The selected network's validation loss bottoms out at epoch {bottom} ({lowest_loss:.4f}) and ends "
    f"{rise:.2f} times as high after epoch {epochs}; part 4's LeNet bottomed out at epoch {bottom_4} and ended "
    f"{rise_4:.2f} times as high. "
    + claims.state(
        "validation_loss_climbs_back_as_in_part_4",
        rise > 1.1 and rise_4 > 1.1 and bottom <= epochs // 4,
        "As in part 4, the validation loss climbs back up after a minimum in the first quarter of the training. ",
        "The validation loss does not climb back up after an early minimum as part 4's did. ",
    )
    + claims.state(
        "training_accuracy_stays_ahead",
        ahead_from <= epochs,
        f"From epoch {ahead_from} on, the training accuracy stays above the validation accuracy; it ends at "
        f"{best.history['accuracy'][-1]:.2%}.",
        f"The training accuracy does not stay above the validation accuracy; it ends at "
        f"{best.history['accuracy'][-1]:.2%}.",
    )
)

# %% tags=["nbval-ignore-output"]
fig = plots.conv_kernel_heatmaps(
    best_model.get_layer("conv_0").get_weights()[0], title="Selected L1-L2 LeNet: first convolution filters"
)

# %% [markdown]
# The grid's networks start from the same seed as part 4's LeNet. The penalties act on the dense
# layers and reach these filters only through the gradients that flow back through them; the
# paragraph after the histograms sets the filters against a penalised cell's.

# %% tags=["nbval-ignore-output"]
fig = plots.dense_weight_histograms(
    dense_kernels(best_model), title="Selected L1-L2 LeNet: coefficients of the dense layers"
)

# %% [markdown]
# For comparison, a penalised cell: of the cells within retraining noise of the best on validation
# (the white dots), the one whose `dense_0` coefficients are smallest on average.

# %% tags=["nbval-ignore-output"]
within_noise = plots.grid_scale(100 * np.reshape([r.val_accuracy for r in trained], shape), retrained.gap_band("val"))
others = [row * shape[1] + column for row, column in within_noise[2] if row * shape[1] + column != chosen]
others = others or [i for i in range(len(trained)) if i != chosen]  # no other dotted cell: any other
compared_index = min(others, key=lambda i: np.abs(dense_kernels(trained[i].model(build_lenet_l1l2))["dense_0"]).mean())
compared = trained[compared_index]
compared_model = compared.model(build_lenet_l1l2)
compared_name = f"λ1 = {compared.point['l1']:g}, λ2 = {compared.point['l2']:g}"
fig = plots.dense_weight_histograms(dense_kernels(compared_model), title=f"L1-L2 LeNet ({compared_name}): coefficients")


# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
def sizes(model: keras.Model, layer: str) -> tuple[float, float]:
    """Mean |w| of a network's kernel of ``layer``, and the share of its coefficients below 0.001 in size."""
    weights = np.abs(model.get_layer(layer).get_weights()[0])
    return float(weights.mean()), float((weights < 1e-3).mean())


(mean_best, small_best), (mean_compared, small_compared) = (
    sizes(best_model, "dense_0"),
    sizes(compared_model, "dense_0"),
)
filters, compared_filters = (m.get_layer("conv_0").get_weights()[0] for m in (best_model, compared_model))
correlations = [
    np.corrcoef(filters[..., k].ravel(), compared_filters[..., k].ravel())[0, 1] for k in range(filters.shape[-1])
]
Markdown(
    f"Mean size of the `dense_0` coefficients: **{mean_compared:.4f}** in the cell {compared_name} against "
    f"**{mean_best:.4f}** in the selected network; **{small_compared:.1%}** of them against **{small_best:.1%}** are "
    f"below 0.001 in size. Validation accuracy: {compared.val_accuracy:.2%} against {best.val_accuracy:.2%}; test "
    f"accuracy: {compared.test_accuracy:.2%} against {best.test_accuracy:.2%}. "
    + claims.state(
        "penalty_moves_weights_more_than_accuracy",
        divmod(compared_index, shape[1]) in dotted_val and mean_best > 2 * mean_compared,
        f"The penalty makes the coefficients {mean_best / mean_compared:.0f} times smaller on average while the "
        "validation accuracy stays within retraining noise of the best: it changes the weights far more visibly "
        "than the accuracy.",
    )
    + f" `dense_1`, with the fixed penalty of every cell, has {sizes(compared_model, 'dense_1')[1]:.1%} of its "
    f"coefficients below 0.001 in size in that cell and {sizes(best_model, 'dense_1')[1]:.1%} in the selected "
    "network.\n\nThe two networks' first-layer filters, grown from the same initial weights, correlate at "
    f"{', '.join(f'{c:.2f}' for c in correlations)} (filter by filter). "
    + claims.state(
        "compared_cell_filters_reach_further",
        np.abs(compared_filters).max() > np.abs(filters).max(),
        "No penalty acts on the convolutions, and in the penalised cell their weights reach further: "
        f"{np.abs(compared_filters).max():.2f} in size against {np.abs(filters).max():.2f} in the selected network.",
        f"The compared cell's filter weights reach {np.abs(compared_filters).max():.2f} in size against "
        f"{np.abs(filters).max():.2f} in the selected network.",
    )
)

# %% [markdown]
# The penalty pulls every weight towards zero and only the data's gradients hold it out, so the weights
# the data barely needs end next to zero, where the penalty costs almost nothing.

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
# 1. Do the penalties help when the digits are few? Set `train_size = 6000`, `epochs = 20`,
#    `l1_values = [0.0, 1e-4]`, `l2_values = [0.0, 1e-4]` and `reruns = 2`, and rerun: six LeNet trainings
#    of 20 epochs on 5,400 digits, a few minutes.
#
#    *Hint:* 600 digits are now held out for validation, so one digit moves a cell by 1/6 of a point, and
#    the noise band comes from two reruns.
#
#    <details><summary>Answer</summary>
#
#    Read the red frame: if it falls on a penalised cell whose lead over the top-left cell (no penalty on
#    `dense_0`) exceeds the noise band printed above the heatmaps, a penalty helps with this much data; if
#    the top-left cell carries a white dot, the grid cannot tell them apart. A band from two reruns rests on
#    one degree of freedom and is itself very rough, so treat a dot or its absence as a hint. The test
#    heatmap scores each cell on 10,000 digits, far more finely than the 600 validation digits do.
#
#    </details>
#
# 2. How much does the penalty weigh in the loss? After the page has run, compute in a new cell the
#    compared cell's penalty, `from helpers.side_by_side import penalty` then `penalty(compared_model)`,
#    and its `dense_0` part by hand: `w = compared_model.get_layer("dense_0").get_weights()[0]`, then
#    `compared.point["l1"] * np.abs(w).sum() + compared.point["l2"] * np.square(w).sum()`. Nothing is
#    trained.
#
#    *Hint:* Keras adds λ1 Σ|w| + λ2 Σw² of each penalised kernel to the loss; the biases are not penalised.
#
#    <details><summary>Answer</summary>
#
#    The two differ by `dense_1`'s part, the same sum with `fixed_penalty` over its 120 × 84 = 10,080
#    weights. Set the total beside `compared.history["val_loss"][-1]`: the grid records each network's
#    cross-entropy per epoch and adds its final penalty to every epoch (`split_history` in
#    `helpers/side_by_side.py`), so the validation cross-entropy alone is that loss less the penalty. The
#    penalty's share of the loss says how much fit the optimiser could trade for smaller weights.
#
#    </details>
#
# 3. Put the compared cell's penalty on the convolutions too: copy `build_lenet_l1l2` with
#    `kernel_regularizer=regularizers.l1_l2(l1, l2)` in both `Conv2D` lines, and train the copy and
#    `build_lenet_l1l2` with the compared cell's strengths for 10 epochs each, from the same start: for each
#    builder `build`, `seed_everything(seed)`, `model = compile_classifier(build(**compared.point))`,
#    `fit(model, data, 10)` (import the three from `helpers.training`; two trainings of 10 epochs, a minute
#    or two). How large do the filter weights grow now?
#
#    *Hint:* `conv_0` has 54 kernel weights and `conv_1` 864, and the penalty pulls on each of them as on a
#    weight of `dense_0`.
#
#    <details><summary>Answer</summary>
#
#    Compare `np.abs(model.get_layer(name).get_weights()[0])`, its mean and its largest value, for `conv_0`
#    and `conv_1` in the two networks: they started from the same weights, so a clear difference is the
#    penalty's doing. Their penalty sums over only 918 weights, but what holds a weight back is its own
#    pull, λ1 + 2 λ2 |w| in size, against the data's gradient for that same weight. Both are short
#    trainings; the page compared filters after 60 epochs.
#
#    </details>

# %% jupyter={"source_hidden": true} tags=["plumbing"]
models = {
    "LeNet, L1-L2 (selected)": model_record(
        params=best.params,
        test_accuracy=best.test_accuracy,
        test_loss=best.test_loss,
        epochs=epochs,
        regularization=(
            f"L1-L2: dense_0 λ1 = {best.point['l1']:g}, λ2 = {best.point['l2']:g}; dense_1 λ1 = λ2 = {fixed_penalty:g}"
        ),
        val_accuracy=best.val_accuracy,
    )
}
selected = selection_record(trained)
save_results(run, models=models, selected=selected, reruns=retrained.record(), claims=claims.recorded())
