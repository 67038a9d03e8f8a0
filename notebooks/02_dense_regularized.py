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
# # Part 2 · The dense classifier with more dropout
#
# **What this part shows.** The same 512-unit network as part 1 with stronger regularization: a
# dropout of 20 % on the 784 input pixels and 50 % (instead of 20 %) after the hidden layer, the rate
# the dropout paper recommends for hidden units. Trained for 100 epochs like part 1 and compared with
# it, curve for curve.
#
# **What it reuses.** Part 1's recorded results (its history and test accuracy), read from its
# results file rather than retrained; the shared data and training settings.
#
# **The idea to take away.** Dropout makes a network work with a random half-team of units at every
# step, so no unit can be relied on alone. Its effect shows first in the validation loss; a single
# test accuracy is too noisy to tell.
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

# %%
# Setup: the libraries this part uses, then the run (its parameters checked, where its outputs go).
import keras
import matplotlib.pyplot as plt
from IPython.display import Markdown
from keras import layers

from helpers import plots
from helpers.grid import cached_fit
from helpers.live import LiveMetricsPlot
from helpers.params import start_run
from helpers.results import load_results, model_record, save_results
from helpers.retraining import train_reruns
from helpers.training import compile_classifier, dense_kernels, evaluate, prepare_mnist, seed_everything

PART = "02_dense_regularized"
run = start_run(
    PART,
    globals(),
    chapter="The original tutorial, retold",
    summary=(
        "The same 512-unit network as part 1 with stronger regularization: a dropout of 20 % on the 784 input"
        " pixels and 50 % (instead of 20 %) after the hidden layer, the rate the dropout paper recommends for"
        " hidden units."
    ),
)
part1 = load_results(run, "01_dense_tutorial")["models"]["Dense tutorial"]
seed_everything(seed)
data = prepare_mnist(train_size, test_size)
print(data.describe())

# %% [markdown]
# ## Dropout on the widest layer too
#
# The flatten layer has no coefficients, yet its output is the widest representation in the network:
# 784 values against 512 in the hidden layer. Dropping 20 % of the input pixels at each step makes the
# hidden units learn from incomplete digits, so none of them can hinge on a handful of pixels. The
# hidden layer's dropout goes up from 20 % to 50 %. Only the two marked lines differ from part 1; the
# number of coefficients does not change, since dropout has none.


# %%
def build_dense_two_dropouts() -> keras.Model:
    """Part 1's classifier with dropout on the input pixels and a stronger one after the hidden layer."""
    return keras.Sequential(
        [
            layers.Input(shape=(28, 28)),
            layers.Flatten(name="flatten"),
            layers.Dropout(0.2, name="dropout_0"),  # new: dropout on the input pixels
            layers.Dense(512, activation="relu", name="dense_0"),
            layers.Dropout(0.5, name="dropout_1"),  # was 0.2
            layers.Dense(10, activation="softmax", name="dense_1"),
        ],
        name="dense_two_dropouts",
    )


model = build_dense_two_dropouts()
compile_classifier(model)  # part 1's compile(...) settings, from helpers/training.py
model.summary()

# %% tags=["nbval-ignore-output"] caption="Loss and accuracy per epoch; blue: training, orange: validation."
live = LiveMetricsPlot(epochs=epochs, output_dir=run.output_dir / "charts", chart_name=PART)
history = cached_fit(
    model, data, epochs=epochs, seed=seed, profile=profile, callbacks=[live]
)  # part 1's model.fit(...), same arguments

# %% [markdown]
# With heavier dropout the training curves start on the worse side of the validation ones, lower
# accuracy and higher loss: during training a fifth of the pixels and half of the hidden units are
# switched off at every step, while validation runs the whole network. Over the full 100 epochs the
# curves cross: the network comes to fit its training images better than new ones, handicap and all.
#
# ## Against part 1
#
# The validation curves of both models on shared axes. Part 1's validation loss turned upwards after
# a few epochs while its training loss went on falling and its validation accuracy held: it grew more
# certain of its answers, the wrong ones included. The question is whether stronger dropout holds that
# back.

# %% tags=["nbval-ignore-output"] caption="Validation loss and accuracy per epoch; blue: part 1, orange: part 2."
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
for ax, metric in zip(axes, ["loss", "accuracy"], strict=True):
    ax.plot(range(1, len(part1["history"][f"val_{metric}"]) + 1), part1["history"][f"val_{metric}"], label="part 1")
    ax.plot(range(1, epochs + 1), history[f"val_{metric}"], label="part 2: two dropouts")
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"validation {metric}")
    ax.set_title(f"Validation {metric}")
    ax.grid(alpha=0.3)
    ax.legend()
fig.tight_layout()

# %% [markdown]
# The loss panel answers the question. Part 1's validation loss climbs steadily after its early
# minimum; part 2's stays low much longer and rises far more slowly. The accuracy panel shows much
# less: both curves level off close together. Loss is the more sensitive gauge of overfitting. A
# network that grows more and more certain of its wrong answers pays for it in loss long before it
# gets more images wrong. The numbers:

# %% tags=["nbval-ignore-output"]
test_loss, test_accuracy = evaluate(model, data)
print(f"two dropouts: test accuracy {100 * test_accuracy:.2f} % (part 1: {100 * part1['test_accuracy']:.2f} %)")

# %% tags=["remove-input", "nbval-ignore-output"] jupyter={"source_hidden": true}
before, after = part1["history"]["val_loss"], history["val_loss"]
Markdown(
    f"The validation loss ends at **{before[-1] / min(before):.2f}** times its minimum in part 1 "
    f"(lowest at epoch {before.index(min(before)) + 1}), at **{after[-1] / min(after):.2f}** times in part 2 "
    f"(lowest at epoch {after.index(min(after)) + 1})."
)

# %% [markdown]
# Dropout papers report better than 99 % with much wider dense networks (two layers of thousands of
# units); the point here is what stronger dropout does to overfitting, which the validation loss
# shows far more clearly than one test accuracy can. A change of a few tenths of a point between two
# single trainings may be luck: the end of this page measures how much, for this network.

# %% tags=["nbval-ignore-output"] caption="Coefficients of dense_0 (left) and dense_1 (right), counts on a log scale."
fig = plots.dense_weight_histograms(dense_kernels(model), title="Dense, two dropouts: coefficients per layer")
# %% [markdown]
# Set these beside part 1's histograms: the shapes are much the same, down to the narrow peak at
# zero in `dense_0`. Dropout adds no term for a weight's size to the loss, as the penalties of part 5
# will (on average it acts much like a penalty on the weights scaled by the data: Wager et al. 2013;
# Srivastava et al. 2014, section 9.1); and dropping input pixels cannot give a gradient to a pixel
# that is black in every image. So the peak at zero is still there, and with it the question of part
# 3: how small can the hidden layer be?

# %% [markdown]
# ## How much does one training tell?
#
# As for part 1's network, the test accuracy above is one training; the network is trained `reruns`
# more times from other initial weights, everything else unchanged (part 1 explains how), to see how
# far luck alone moves it.

# %% tags=["nbval-ignore-output"] caption="Reruns' test accuracy (dots), the run above (star), their spread (band)."
retrained = train_reruns(
    build_dense_two_dropouts,
    data,
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
# * Move the 50 % dropout back to 20 % but keep the dropout on the pixels: which of the two dropouts
#   holds back the rise of the validation loss more?
# * With `reruns = 3`, how much do three trainings disagree on the test accuracy? Compare with the
#   band the full run's ten trainings give.

# %% tags=["plumbing"] jupyter={"source_hidden": true}
record = model_record(
    params=model.count_params(),
    test_accuracy=test_accuracy,
    test_loss=test_loss,
    epochs=epochs,
    regularization="dropout 0.2 on the input, 0.5 after the hidden layer",
    history=history,
)
save_results(run, models={"Dense, two dropouts": record}, reruns=retrained.record())
