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
# # Part 1 · The dense classifier of the TensorFlow tutorial
#
# **What this part shows.** The fully connected MNIST classifier from TensorFlow's getting-started
# tutorial, trained for 100 epochs: one hidden layer of 512 ReLU units, a 20 % dropout, a softmax over
# the ten digits. It is the baseline every later model in the series is measured against, and it has a
# habit worth seeing early: it overfits.
#
# **What it reuses.** Nothing yet: this part introduces the data and the training settings that all
# parts share (Adam, sparse categorical cross-entropy, batches of 128, the last 10 % of the training
# images held out for validation, pixels scaled to [0, 1]), written out here as Keras calls; later
# parts call the same settings from `helpers/training.py`.
#
# **The idea to take away.** A network is judged on images it has not trained on: the validation
# curves, not the training ones, say how well it reads new digits, and how sure it is of its answers.
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
import numpy as np
from IPython.display import Markdown
from keras import layers

from helpers import claims, plots
from helpers.data import load_mnist
from helpers.grid import cached_fit
from helpers.live import LiveMetricsPlot
from helpers.params import start_run, training_share
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

PART = "01_dense_tutorial"
run = start_run(
    PART,
    globals(),
    chapter="The original tutorial, retold",
    summary=(
        "The fully connected MNIST classifier from TensorFlow's getting-started tutorial, trained for "
        f"{epochs} epochs: one hidden layer of 512 ReLU units, a 20 % dropout, a softmax over the ten digits."
    ),
)

# %% [markdown]
# ## The data
#
# MNIST holds 70,000 grey-scale images of handwritten digits, 28 by 28 pixels, split into 60,000
# training and 10,000 test images. The digits were size-normalised and centred by their centre of
# mass, so a model does not have to find the digit in the frame, only to tell which one it is.
#
# `load_mnist` returns what `keras.datasets.mnist.load_data()` returns, two pairs of NumPy arrays, but
# checks them against known checksums and works offline (from the copy `make data` builds). The pixels
# arrive as integers from 0 to 255; dividing by 255 brings them to [0, 1], the range in which the
# initial weights Keras draws give the first layer sensible outputs. The validation images are not
# split off here: `fit` holds out the last 10 % of the training arrays itself (below).

# %%
(x_train, y_train), (x_test, y_test) = load_mnist()
x_train, y_train = x_train[:train_size], y_train[:train_size]  # [:None] keeps all 60,000
x_test, y_test = x_test[:test_size], y_test[:test_size]
x_train = x_train.astype("float32") / 255
x_test = x_test.astype("float32") / 255
data = Mnist(x_train, y_train, x_test, y_test)
print(data.describe())

# %% jupyter={"source_hidden": true} tags=["plumbing"]
# Later parts call prepare_mnist: it must prepare exactly these arrays.
assert data.equals(prepare_mnist(train_size, test_size)), "helpers.training.prepare_mnist differs from part 1"

# %%
fig = plots.digit_grid(data.x_train, data.y_train)


# %% [markdown]
# The same digit comes in many hands: slanted or upright, thin or bold, with loops open or closed.
# That variety is what a classifier has to absorb. Note also the empty margin around every digit:
# the pixels near the border are black in nearly every image, which will matter when we look at the
# first layer's weights at the end of this page.

# %% [markdown]
# ## The model
#
# Each image is flattened into a vector of 784 pixels. A hidden layer of 512 neurons looks at all of
# them at once: each neuron computes a weighted sum of the 784 pixels plus a bias, and passes it
# through a **ReLU** (rectified linear unit), max(0, x), which keeps positive sums and turns negative
# ones into 0. The output layer's ten neurons do the same with the 512 hidden values, and a **softmax**
# turns their ten scores s into ten probabilities that add up to 1, exp(s_k) / Σ_j exp(s_j), one per
# digit. The **dropout** layer between the two switches off a random 20 % of the hidden units at
# every training step and scales the kept ones up by 1 / (1 − 0.2), so that the next layer sees the
# same input on average; at test time nothing is dropped or scaled. No unit can rely on one particular
# partner: a cheap defence against overfitting (training-set fit that does not carry over to new
# digits).
#
# Almost all coefficients sit in the first layer: 784 x 512 weights plus 512 biases. The summary
# below counts them. The model is built by a function, so that the end of the page can build it
# again for fresh trainings.

# %%
def build_dense_tutorial() -> keras.Model:
    """The TensorFlow tutorial's classifier: 512 ReLU units, 20 % dropout, a softmax over ten digits."""
    return keras.Sequential(
        [
            layers.Input(shape=(28, 28)),
            layers.Flatten(name="flatten"),
            layers.Dense(512, activation="relu", name="dense_0"),
            layers.Dropout(0.2, name="dropout_0"),
            layers.Dense(10, activation="softmax", name="dense_1"),
        ],
        name="dense_tutorial",
    )


model = build_dense_tutorial()
model.summary()

# %% [markdown]
# The same network drawn as the data flows through it, one box per layer: each box is labelled with
# the shape of what the layer outputs for one digit (its height grows with the number of values, on a
# log scale), and shaded where the layer has coefficients.

# %% tags=["nbval-ignore-output"]
fig = plots.network_diagram(model, title="Dense classifier: 784 pixels in, 10 probabilities out")

# %% [markdown]
# `compile` fixes how the model learns. Adam adapts each weight's step size from the history of its
# gradients and works well with its defaults (a learning rate of 0.001). The loss is the
# **cross-entropy**: minus the logarithm of the probability the softmax gives the true digit, averaged
# over the images; it is 0 for a certain right answer and grows without bound for a confident wrong
# one. The *sparse* version takes the labels as integers 0-9, as MNIST stores them, rather than as
# *one-hot* vectors (ten zeros with a 1 at the digit's place). Accuracy is reported beside the loss,
# for us: the training minimises the loss alone.

# %%
model.compile(
    optimizer=keras.optimizers.Adam(),
    loss=keras.losses.SparseCategoricalCrossentropy(),
    metrics=["accuracy"],
)

# %% jupyter={"source_hidden": true} tags=["plumbing"]
check_series_settings(model)  # later parts compile with helpers.training.compile_classifier: the same settings

# %% [markdown]
# ## Training, watched live
#
# `fit` runs the training: `epochs` passes over the training images, in shuffled batches of
# `BATCH_SIZE` = 128 images, one weight update per batch. `validation_split` holds the last 10 % of
# the training arrays out of training (taken before shuffling, so always the same 6,000 images) and
# scores the model on them after every epoch: the validation curves. A callback is code that Keras
# calls during training: tensorview's `PlotMetricsOnEpoch` redraws the curves after every epoch
# (the adapter in `helpers/live.py` makes the 2019 callback work with Keras 3) and saves an
# interactive chart of them when training ends. `cached_fit` (from `helpers/grid.py`) runs `train`
# and keeps the trained network; when this very training (the same network, initial weights, data and
# settings) ran before, it reads the network back and replays the epochs into the chart instead, so a
# rebuild, or a rerun with the published settings, takes seconds. Later parts train the same way, with
# the same `fit` arguments (`helpers.training.fit`).

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
    return fitted.history  # one list per metric: loss, accuracy, val_loss, val_accuracy


history = cached_fit(model, data, epochs=epochs, seed=seed, profile=profile, callbacks=[live], train=train)

# %% [markdown]
# The curves, in numbers:

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
best_epoch = min(range(epochs), key=history["val_loss"].__getitem__) + 1
at_best, at_end = history["val_accuracy"][best_epoch - 1], history["val_accuracy"][-1]
Markdown(
    f"- lowest validation loss **{min(history['val_loss']):.4f}** at epoch **{best_epoch}** of {epochs}; "
    f"after the last epoch it is **{history['val_loss'][-1]:.4f}**\n"
    f"- validation accuracy **{at_best:.2%}** at epoch {best_epoch}, **{at_end:.2%}** after the last\n"
    f"- final training accuracy **{history['accuracy'][-1]:.2%}**\n\n"
    + claims.state(
        "validation_loss_rises_after_its_minimum",
        history["val_loss"][-1] > 1.5 * min(history["val_loss"])
        and history["loss"][-1] < history["loss"][best_epoch - 1],
        f"The training loss keeps falling to the last epoch, while the validation loss bottoms out at epoch "
        f"{best_epoch} and ends {history['val_loss'][-1] / min(history['val_loss']):.1f} times as high.",
    )
    + " "
    + claims.state(
        "validation_accuracy_does_not_fall_with_it",
        at_end >= at_best,
        "The validation accuracy does not fall with it: the network gets no fewer of the held-out digits "
        "right, while the probability it gives their correct class, which is what the loss measures, "
        "drops on some of them.",
    )
)

# %% [markdown]
# ## Test accuracy
#
# The test images took no part in training or in any choice made so far.

# %% tags=["nbval-ignore-output"]
test_loss, test_accuracy = evaluate(model, data)
print(f"Dense tutorial model: test accuracy {test_accuracy:.2%}, test loss {test_loss:.4f}")

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
Markdown(
    "This is the number every later network is measured against. "
    + claims.state(
        "test_close_to_validation",
        abs(test_accuracy - at_end) < 0.005,
        f"It lands within {100 * abs(test_accuracy - at_end):.2f} points of the final validation accuracy "
        f"({test_accuracy:.2%} against {at_end:.2%}):",
        f"It lies {100 * abs(test_accuracy - at_end):.2f} points from the final validation accuracy "
        f"({test_accuracy:.2%} against {at_end:.2%}), although",
    )
    + " neither the validation nor the test images were trained on, and both estimate how the network does "
    "on digits it has never seen."
)

# %% [markdown]
# ## Where the weights went
#
# Histograms of the coefficients of both dense layers, with the counts on a logarithmic scale so
# that the rare large weights stay visible. A dense layer's weights form its *kernel*, a matrix with
# one row per input and one column per neuron (the biases are kept apart). Keras drew each layer's
# initial weights uniformly from a narrow band around zero whose width shrinks as the layer grows
# (Glorot initialisation): ±√(6 / (inputs + neurons)), about ±0.07 for the 784x512 kernel of
# `dense_0`. The question is how far training moved them.

# %% tags=["nbval-ignore-output"]
fig = plots.dense_weight_histograms(dense_kernels(model), title="Dense tutorial model: coefficients per layer")

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
kernel = model.get_layer("dense_0").get_weights()[0]
band = (6 / sum(kernel.shape)) ** 0.5  # Glorot's uniform limit
trained_on = data.x_train[: training_share(train_size)]  # fit's validation_split holds out the rest
black = (trained_on.max(axis=0) == 0).ravel()  # pixels that are 0 in every training image
unmoved = kernel[black]
counts, edges = np.histogram(kernel, bins=40)  # the histogram's bars
tallest = counts.argmax()
in_tallest = ((unmoved >= edges[tallest]) & (unmoved <= edges[tallest + 1])).sum() / counts[tallest]
Markdown(
    f"Training has pushed {(abs(kernel) > band).mean():.0%} of `dense_0`'s weights outside the band of "
    f"±{band:.3f} they started in, the largest to {abs(kernel).max():.2f}. "
    + claims.state(
        "tallest_bar_holds_zero",
        bool(-band <= edges[tallest] <= 0 <= edges[tallest + 1] <= band),
        "The tallest bar of `dense_0` holds zero, inside that band.",
        f"The tallest bar of `dense_0` spans {edges[tallest]:+.3f} to {edges[tallest + 1]:+.3f}.",
    )
    + " A histogram cannot tell a weight that never moved from one that moved and came "
    f"back. Some never moved: {black.sum()} of the 784 pixels are black in all {len(trained_on):,} training "
    f"images, and such a pixel contributes nothing to the gradient of its {kernel.shape[1]} weights, which "
    "Adam then never moves. "
    + claims.state(
        "black_pixel_weights_keep_their_initial_spread",
        bool(abs(unmoved).max() <= band and abs(unmoved.std() / (band / 3**0.5) - 1) < 0.05),
        f"These {unmoved.size:,} weights, {unmoved.size / kernel.size:.1%} of `dense_0`'s, keep their random "
        f"initial values: all lie within ±{band:.3f}, spread as evenly as the uniform draw that made them "
        f"(standard deviation {unmoved.std():.4f}, against {band / 3**0.5:.4f} for the draw), not piled at zero.",
        f"These {unmoved.size:,} weights are {unmoved.size / kernel.size:.1%} of `dense_0`'s.",
    )
    + f" They make up {in_tallest:.0%} of the tallest bar. Weights that the data cannot train are capacity "
    "the network does not use."
)

# %% [markdown]
# ## How much does one training tell?
#
# The test accuracy above comes from one training: one draw of the initial weights and of the dropout
# masks. To see how far luck alone moves it, the network is trained a few more times (`reruns`: ten
# in the full profile) from other initial weights (and so other dropout masks), everything else
# unchanged: data, epochs and optimiser. The reruns share one batch order among themselves, drawn by
# the grid runner from the part's seed; the run above was shuffled by `fit` itself, in an order they do
# not share. They train several to a Keras graph and are cached, like a grid's networks
# (`helpers/retraining.py`).

# %% tags=["nbval-ignore-output"]
retrained = train_reruns(
    build_dense_tutorial,
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

# %% jupyter={"source_hidden": true} tags=["remove-input", "nbval-ignore-output"]
standing = retrained.standing(test_accuracy)
Markdown(
    retrained.summary(test_accuracy)
    + " "
    + claims.state(
        "first_run_above_every_rerun",
        retrained.beaten_by(test_accuracy) == len(retrained.init_seeds) and standing > 2,
        "More than two standard deviations out, it is also the only one of these trainings shuffled by `fit` "
        "itself; ten reruns cannot tell whether that batch order or luck sets it apart.",
        "It is the only one of these trainings shuffled by `fit` itself.",
    )
)

# %% [markdown]
# The shaded band is ±1 standard deviation of the reruns. The black bar is ±1 standard error of a
# score measured on this many test digits. Part 8 compares networks by their reruns' mean and spread,
# not by the single runs shown above it.

# %% [markdown]
# ## Try it yourself
#
# 1. Set `epochs = 10` in the parameters cell and run the part again: eleven trainings of 10 epochs
#    instead of 100, a tenth of the published run's training. Where does the validation loss reach its
#    minimum now, and how far is the test accuracy from the 100-epoch run's? (Parts 2, 3 and 8 run by
#    hand read this run's results in `executed/interactive/results/` before the published ones: delete
#    that file when you are done.)
#
#    *Hint:* the lines under the curves give the epoch of the lowest validation loss; read them on the
#    published page too.
#
#    <details><summary>Answer</summary>
#
#    Stopping at 10 epochs is early stopping by hand; if the minimum now falls on the last epoch, the
#    validation loss was still falling when the training stopped. Two single runs also differ by training
#    luck, so compare the reruns: `permutation_p(retrained.test_accuracy, published)` from
#    `helpers.statistics`, with `published` the `reruns` → `test_accuracy` list of
#    `executed/full/results/01_dense_tutorial.json`; below 0.05, the gap is more than luck. The published
#    validation accuracy did not fall after its minimum (the page says so), so look for a gain from
#    stopping early in the test loss printed beside the accuracy as well.
#
#    </details>
#
# 2. Change the dropout rate in `build_dense_tutorial` from 0.2 to 0 and rerun with `reruns = 2` (three
#    trainings of 100 epochs instead of eleven): what happens to the gap between the training and
#    validation curves?
#
#    *Hint:* Keras measures the training curves during each epoch, with dropout at work and the weights
#    still changing, and the validation curves after it, with the whole network.
#
#    <details><summary>Answer</summary>
#
#    With a rate of 0 both curves measure the same network, so the gap between them is all overfitting;
#    with 0.2, part of it is dropout's handicap on the training side. The lines under the curves give the
#    epoch of the lowest validation loss and its last value: set both beside the published page's, where
#    an earlier minimum or a steeper climb after it says that the network without dropout overfits
#    sooner. Each number comes from one training, and the page measures no run-to-run spread of the
#    loss, so only a clear difference counts.
#
#    </details>
#
# 3. Count the coefficients of `dense_0` and `dense_1` by hand from the layer sizes, check them against
#    the summary, and work out the share that sits in `dense_0`. Nothing is trained.
#
#    *Hint:* a dense layer with n inputs and m units has an n x m kernel plus m biases; flatten and dropout
#    layers have none.
#
#    <details><summary>Answer</summary>
#
#    `dense_0` has 784 × 512 + 512 = 401,920 coefficients and `dense_1` 512 × 10 + 10 = 5,130: 407,050 in
#    all, the summary's total. `dense_0` holds 401,920 / 407,050 ≈ 98.7 % of them, because each of its 512
#    units has a weight for every one of the 784 pixels, including those that are black in every image.
#
#    </details>

# %% jupyter={"source_hidden": true} tags=["plumbing"]
record = model_record(
    params=model.count_params(),
    test_accuracy=test_accuracy,
    test_loss=test_loss,
    epochs=epochs,
    regularization="dropout 0.2 after the hidden layer",
    best_val_loss_epoch=best_epoch,
    history=history,
    dense_0_kernel={  # parts 2 and 3 compare their histograms with these
        "outside initial band": float((abs(kernel) > band).mean()),
        "largest magnitude": float(abs(kernel).max()),
        "standard deviation": float(kernel.std()),
    },
)
save_results(run, models={"Dense tutorial": record}, reruns=retrained.record(), claims=claims.recorded())
