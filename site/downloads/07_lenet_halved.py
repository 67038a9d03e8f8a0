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
# 120 and 84 neurons to 60 and 42, trained for 80 epochs and saved as `MNIST_LeNet60`. This part
# measures how much of part 6's accuracy survives, with part 6's dropout, in less than half the
# coefficients.
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
import numpy as np
from IPython.display import Markdown
from keras import layers

from helpers import claims, plots
from helpers.grid import cached_fit
from helpers.live import LiveMetricsPlot
from helpers.params import start_run
from helpers.results import load_results, model_record, save_results
from helpers.retraining import train_reruns
from helpers.saved_models import save_model_files
from helpers.statistics import welch
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

# %% tags=["nbval-ignore-output"]
live = LiveMetricsPlot(epochs=epochs, output_dir=run.output_dir / "charts", chart_name=PART)
history = cached_fit(model, data, epochs=epochs, seed=seed, profile=profile, callbacks=[live])


# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
def curve_facts(history: dict[str, list[float]]) -> tuple[int, float, float, int]:
    """The epoch (from 1) and value of the lowest validation loss, the last one over it, and the epoch from
    which the training accuracy stays above the validation accuracy (one past the last epoch: never)."""
    loss = np.asarray(history["val_loss"])
    behind = np.nonzero(np.asarray(history["accuracy"]) <= np.asarray(history["val_accuracy"]))[0]
    ahead = int(behind.max()) + 2 if len(behind) else 1
    return int(loss.argmin()) + 1, float(loss.min()), float(loss[-1] / loss.min()), ahead


bottom, lowest_loss, rise, ahead_from = curve_facts(history)
bottom_4, _, rise_4, ahead_from_4 = curve_facts(load_results(run, "04_lenet")["models"]["LeNet"]["history"])
Markdown(
    f"The validation loss bottoms out at epoch {bottom} ({lowest_loss:.4f}) and ends {rise:.2f} times as high after "
    f"epoch {epochs}; part 4's LeNet bottomed out at epoch {bottom_4} and ended {rise_4:.2f} times as high. "
    + claims.state(
        "validation_loss_rises_less_than_part_4s",
        rise < rise_4,
        "The halved network's validation loss climbs back up less than part 4's. ",
        "The halved network's validation loss climbs back up at least as much as part 4's. ",
    )
    + claims.state(
        "training_accuracy_pulls_ahead_late",
        epochs // 4 < ahead_from <= epochs,
        f"The training accuracy, measured with dropout at work, stays above the validation accuracy only from epoch "
        f"{ahead_from} on (part 4's did from epoch {ahead_from_4}), and ends at {history['accuracy'][-1]:.2%} against "
        f"{history['val_accuracy'][-1]:.2%}.",
    )
)

# %% [markdown]
# The test accuracy, beside that of part 6's full-size network:

# %% tags=["nbval-ignore-output"]
test_loss, test_accuracy = evaluate(model, data)
full_size = part6["models"]["LeNet, dropout (selected)"]
print(f"halved LeNet: test accuracy {test_accuracy:.2%} with {model.count_params():,} coefficients")
print(f"part 6's selected LeNet: {full_size['test_accuracy']:.2%} with {full_size['params']:,} coefficients")

# %% [markdown]
# Each line is a single training, and the two networks did not train equally long (the halved one
# on the original's schedule for it, `epochs` above). The end of this page sets the reruns of the two
# networks against each other.
#
# The first convolution, as this network learnt it:

# %% tags=["nbval-ignore-output"]
fig = plots.conv_kernel_heatmaps(
    model.get_layer("conv_0").get_weights()[0], title="Halved LeNet: first convolution filters"
)

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
filters = model.get_layer("conv_0").get_weights()[0]
filters_6 = np.asarray(part6["selected_weights"]["conv_0"])
correlations = [np.corrcoef(filters[..., k].ravel(), filters_6[..., k].ravel())[0, 1] for k in range(filters.shape[-1])]
alike = sum(c > 0.9 for c in correlations)
Markdown(
    "Only the dense layers behind the convolutions shrank. This network trained from the same seed as part 6's "
    f"grid, and its filters correlate with those of part 6's selected network at "
    f"{', '.join(f'{c:.2f}' for c in correlations)}, filter by filter. "
    + claims.state(
        "most_filters_come_back",
        alike > len(correlations) / 2,
        f"{alike} of the {len(correlations)} correlate above 0.9: most of the first layer's filters come back when "
        "the layers that read its output are half as wide.",
        f"{alike} of the {len(correlations)} correlate above 0.9.",
    )
)

# %% [markdown]
# Next, the coefficients of the halved dense layers, counts on a logarithmic scale.

# %% tags=["nbval-ignore-output"]
fig = plots.dense_weight_histograms(dense_kernels(model), title="Halved LeNet: coefficients of the dense layers")

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
dense_0 = np.abs(model.get_layer("dense_0").get_weights()[0])
sizes_6 = part6["selected_weights"]["dense_0"]
small, small_6 = float((dense_0 < 1e-3).mean()), sizes_6["share below 0.001"]
Markdown(
    f"The halved `dense_0`'s coefficients average {dense_0.mean():.4f} in size and reach {dense_0.max():.2f}; part "
    f"6's selected network's average {sizes_6['mean size']:.4f} and reach {sizes_6['largest size']:.2f}. "
    + claims.state(
        "halved_dense_0_weights_larger",
        dense_0.mean() > sizes_6["mean size"] and dense_0.max() > sizes_6["largest size"],
        "With half as many units, the coefficients are larger. ",
        "",
    )
    + f"{small:.1%} of them are below 0.001 in size ({small_6:.1%} in part 6's)"
    + claims.state("no_spike_at_zero", max(small, small_6) < 0.05, ": dropout, again, leaves no spike at zero.", ".")
)

# %% [markdown]
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

# %% tags=["nbval-ignore-output"]
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

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
Markdown(retrained.summary(test_accuracy))

# %% [markdown]
# The shaded band is ±1 standard deviation of the reruns; a star within about two of them is an
# ordinary draw. The black bar is ±1 standard error of a score measured on this many test digits.

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
halved_runs = 100 * retrained.test_accuracy
full_runs = 100 * np.asarray(part6["reruns"]["test_accuracy"])
low, high, _ = welch(halved_runs, full_runs)
Markdown(
    claims.state(
        "halved_network_keeps_its_accuracy",
        high > 0,
        "With part 6's dropout, the halved network keeps its accuracy: ",
        "The halved network loses accuracy: ",
    )
    + f"its {len(halved_runs)} reruns score {halved_runs.mean():.2f} ± {halved_runs.std(ddof=1):.2f} %, the "
    f"{len(full_runs)} of part 6's selected network {full_runs.mean():.2f} ± {full_runs.std(ddof=1):.2f} % (mean ± "
    f"standard deviation), a difference of {halved_runs.mean() - full_runs.mean():+.2f} points (95 % interval "
    f"{low:+.2f} to {high:+.2f}). The halved network trained for {epochs} epochs and part 6's for "
    f"{full_size['epochs']}, so the difference measures halving and the longer training together. Part 8 tests it "
    'again as its "halving the dense layers" finding, in one family with the series\' other comparisons.'
)

# %% [markdown]
# ## Try it yourself
#
# 1. Halve the dense layers again, to 30 and 21 neurons. First run the part as it is with `epochs = 20`
#    and `reruns = 4`, and keep its reruns in a new cell, `halved = retrained.test_accuracy`; then change the
#    two widths in `build_lenet_halved` and run the cells from there down again, in the same session (ten
#    trainings of 20 epochs in all, some minutes). Both runs save their network as `MNIST_LeNet60` in
#    `executed/interactive/models/`, where parts 9 and 11-14 run by hand look first: delete those files
#    afterwards. How many coefficients are left, and what does the second halving cost?
#
#    *Hint:* the convolutions and the ten output units stay; only the two hidden widths change the count.
#
#    <details><summary>Answer</summary>
#
#    940 in the convolutions, (576 + 1) × 30 = 17,310, (30 + 1) × 21 = 651 and (21 + 1) × 10 = 220: 19,121,
#    a little less than half of 38,552. For the cost, `permutation_p(retrained.test_accuracy, halved)` from
#    `helpers.statistics`; with four trainings of each it cannot go below 2 / 70 ≈ 0.029, so only a clean
#    separation of the two groups shows below 0.05. The comparison at the end of the page sets the new
#    network against part 6's 60-epoch reruns and mixes the halving with the shorter training: use yours.
#
#    </details>
#
# 2. Where would one more training of the halved network land? In a new cell,
#    `prediction_interval(halved_runs)` from `helpers.statistics` gives the range that holds one more
#    training 95 % of the time; set it beside the interval of the reruns' mean, `mean_interval(halved_runs)`
#    (its `low` and `high`), and beside the run at the top of the page. Nothing is trained.
#
#    *Hint:* the prediction interval is mean ± t·s·√(1 + 1/n), the interval of the mean is mean ± t·s·√(1/n),
#    with the same t.
#
#    <details><summary>Answer</summary>
#
#    For n = 10 the prediction interval is √11 ≈ 3.3 times as wide as the mean's: a mean of ten trainings is
#    known far better than any one training can be foretold. The page's own run is one more training,
#    though shuffled by `fit` rather than the grid runner: inside the prediction interval, it is an ordinary
#    draw. A single accuracy reported elsewhere, like the original's in part 8, is judged against this
#    interval, not against the mean's.
#
#    </details>
#
# 3. Are the first-layer filters alike in parts 6 and 7 because the data demand them, or because both
#    networks started from the same draw? In a new cell at the end, rebuild the untrained network,
#    `seed_everything(seed)` then `start = build_lenet_halved(rate_0, rate_1)`, and correlate each trained
#    filter with its starting point, `start.get_layer("conv_0").get_weights()[0]`, as the page correlates
#    it with part 6's (`np.corrcoef` of the two filters' weights, for each of the six). Nothing is trained.
#
#    *Hint:* the network above was built right after `seed_everything(seed)`, and part 6's grid built its
#    networks from the same seed with the same first layer.
#
#    <details><summary>Answer</summary>
#
#    A filter that still correlates highly with its start moved little in training, and its likeness to
#    part 6's is then largely inherited from the shared draw; one that correlates weakly with its start but
#    highly with part 6's was reshaped by training, alike in both networks, and that likeness was learnt
#    from the same data. Read the six filters one by one: they need not all tell the same story.
#
#    </details>

# %% jupyter={"source_hidden": true} tags=["plumbing"]
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
save_results(run, models={"LeNet, dropout, halved": record}, reruns=retrained.record(), claims=claims.recorded())
print(f"saved {', '.join(Path(p).name for p in saved)}")
