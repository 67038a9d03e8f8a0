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
from helpers.results import model_record, save_results
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
# many dimensions) whose corners lie on the axes, where many weights are exactly zero, which is why it
# drives weights to zero. Combined, they are known as the elastic net.
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

# %% tags=["nbval-ignore-output"] caption="Validation accuracy (%); rows: L1 strength on dense_0, columns: L2 strength."
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
# %% tags=["remove-input", "nbval-ignore-output"] jupyter={"source_hidden": true}
validation = 100 * np.reshape([r.val_accuracy for r in trained], shape)
strongest_l1, strongest_l2 = validation[-1, :], validation[:, -1]
milder = validation[:-1, :-1]
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
)

# %% [markdown]
# Away from the strongest penalties the cells differ far less; the test accuracies of the same
# networks show whether those small differences hold up on other digits.

# %% tags=["nbval-ignore-output"] caption="Test accuracy (%) of the same networks, same rows, columns and frames."
fig = plots.accuracy_grid(
    np.reshape([r.test_accuracy for r in trained], shape),
    title="Test accuracy (%)",
    highlight=highlight,
    noise=retrained.gap_band("test"),
    **grid_axes,
)
# %% tags=["remove-input", "nbval-ignore-output"] jupyter={"source_hidden": true}
Markdown(selection_summary(trained, lambda p: f"λ1 = {p['l1']:g}, λ2 = {p['l2']:g}"))

# %% [markdown]
# Does a cell that is better on validation also do better on test digits? Each dot is one cell of the
# grid, its validation accuracy against its test accuracy.

# %% tags=["nbval-ignore-output"] caption="Each cell's validation against test accuracy; star: the selected cell."
fig = plots.validation_against_test(
    [r.val_accuracy for r in trained],
    [r.test_accuracy for r in trained],
    selected=chosen,
    noise=retrained.gap_band("val"),
    title="L1-L2 grid: validation against test accuracy",
)
# %% tags=["remove-input", "nbval-ignore-output"] jupyter={"source_hidden": true}
Markdown(agreement_summary(trained, retrained.gap_band("val"), reruns))

# %% [markdown]
# Compare the two grids cell by cell. Check whether the strongest penalties' rows and columns are low
# in both. Count the white dots: every dotted cell is as good as the best within retraining noise, so
# where many cells carry one, the selected cell is one of several equally good candidates rather than
# a clear winner, and the bright cells of one grid can be middling in the other.
#
# Note which strengths won. An elastic net needs both penalties on `dense_0`. When the selected λ1
# is 0, the winner is not one: with λ2 above 0 it carries plain L2 (weight decay), and with both at 0
# it is part 4's LeNet, with only the fixed, mild penalty on `dense_1`, which every cell shares. The
# red frame in the heatmaps says which case this run is.
#
# ## The selected network
#
# Its training curves, first-layer filters and dense-layer coefficients. The paragraph after the
# histograms measures what the penalty did to `dense_0`, against the grid's least penalised cell
# (`dense_1` keeps its fixed penalty in every cell): that
# network started from the same initial weights and saw the same batches, so the penalty is the only
# difference.

# %% tags=["nbval-ignore-output"] caption="Selected network: training and validation loss and accuracy per epoch."
best_model = best.model(build_lenet_l1l2)
fig = plots.history_curves(
    best.history, title=f"Selected L1-L2 LeNet (λ1 = {best.point['l1']:g}, λ2 = {best.point['l2']:g})"
)
# %% [markdown]
# Set these curves beside part 4's. Check whether the training loss still heads towards zero and the
# validation loss still bottoms out early, then drifts up. If so, the selected penalty (none, or a
# mild one such as the grid's best cells carry) does not stop the memorising; a mild penalty acts on
# the weights more than on the curves.

# %% tags=["nbval-ignore-output"] caption="Selected network's 3x3 conv_0 filters; red: positive, blue: negative."
fig = plots.conv_kernel_heatmaps(
    best_model.get_layer("conv_0").get_weights()[0], title="Selected L1-L2 LeNet: first convolution filters"
)
# %% [markdown]
# The grid's networks start from the same seed as part 4's LeNet. Set these filters beside part 4's:
# a filter that looks the same in both is one the penalty left alone. It acts on the dense layers,
# and reaches the convolutions only through the gradients that flow back through them.

# %% tags=["nbval-ignore-output"] caption="Selected network's dense_0, dense_1 and dense_2 coefficients, log counts."
fig = plots.dense_weight_histograms(
    dense_kernels(best_model), title="Selected L1-L2 LeNet: coefficients of the dense layers"
)


# %% tags=["remove-input", "nbval-ignore-output"] jupyter={"source_hidden": true}
def dense_0_sizes(result) -> tuple[float, float]:
    """Mean |w| of a grid network's dense_0 kernel, and the share of its coefficients below 0.001 in size."""
    kernel = np.abs(result.model(build_lenet_l1l2).get_layer("dense_0").get_weights()[0])
    return float(kernel.mean()), float((kernel < 1e-3).mean())


least_penalised = min(trained, key=lambda r: (r.point["l1"] + r.point["l2"], r.point["l1"]))
(mean_best, small_best), (mean_free, small_free) = dense_0_sizes(best), dense_0_sizes(least_penalised)
l1, l2 = least_penalised.point["l1"], least_penalised.point["l2"]
Markdown(
    f"Mean size of the `dense_0` coefficients: **{mean_best:.4f}** in the selected network against **{mean_free:.4f}** "
    f"in the grid's least penalised cell (λ1 = {l1:g}, λ2 = {l2:g}); "
    f"**{small_best:.1%}** of them against **{small_free:.1%}** are below 0.001 in size."
)
# %% [markdown]
# Read the histograms with that paragraph. When the selected cell is itself the least penalised one,
# the two numbers of each pair are the same network's, and its `dense_0` looks like part 4's: the grid
# found no penalty that beats none. Otherwise, compare `dense_0` with part 4's and look for shorter
# tails (mind the horizontal axes) and a spike at zero, the two things the paragraph measures. The
# penalty pulls every weight towards zero and only the data's gradients hold it out, so the weights
# the data barely needs end at or next to zero, where the penalty costs nothing. Smaller weights make
# the network's output change more gently with its input, which is how a penalty fights overfitting.
# If `dense_1` shows a spike at zero too, that is its fixed mild penalty at work, the same in every
# cell of the grid.

# %% [markdown]
# ## How much does one training tell?
#
# These are the reruns behind the white dots of the heatmaps: the selected network trained `reruns`
# more times from other initial weights, everything else unchanged (part 1 explains how), set against
# the selected cell's own training.

# %% tags=["nbval-ignore-output"] caption="Reruns' test accuracy (dots), the run above (star), their spread (band)."
fig = plots.rerun_spread(
    retrained.test_accuracy,
    first_run=best.test_accuracy,
    test_images=len(data.y_test),
    title=f"{reruns} more trainings from other initial weights",
)
# %% tags=["remove-input", "nbval-ignore-output"] jupyter={"source_hidden": true}
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
# * Run the part with `l1_values = [0.0, 0.001]` and `l2_values = [0.0, 0.001]` (a 2x2 grid): is the
#   selected cell the same as in the full grid?
# * Look at the validation-against-test figure: how would the selection change if the test set had
#   been used to choose?

# %% tags=["plumbing"] jupyter={"source_hidden": true}
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
