"""Every sentence the quiz shows a learner, by key, marked for the gettext catalogue.

The quiz's other modules hold numbers, codes and symbols only; they ask for words here by key
(``say("ask.loss")``), in the interface language (annlab.language: the English here is the
source text, the translations are in annlab's catalogue). Symbols (h11, W1[1,2], ∂C/∂ŷ, σ) and
the activations' names (sigmoid, tanh, ReLU, softmax) are the chapter's and stay as they are in
every language. When the interface is in Chinese, the ten review questions are the chapter's
own Chinese questions (``# 问题``), word for word.
"""

from __future__ import annotations

from annlab.language import N_, _

# Symbols, and names the chapter keeps in English in every language: not sent to translators.
SYMBOLS: dict[str, str] = {
    "activation.sigmoid": "sigmoid",
    "activation.tanh": "tanh",
    "activation.relu": "ReLU",
    "activation.softmax": "softmax",
    "network.biases": "b{layer} = {values}",
    "screen.save-placeholder": "results.json",
}

WORDS: dict[str, str] = {
    # --- names of things ------------------------------------------------------------------
    "activation.linear": N_("linear"),
    "loss.mse": N_("mean squared error"),
    "loss.mae": N_("mean absolute error"),
    "loss.binary-cross-entropy": N_("binary cross-entropy"),
    "loss.categorical-cross-entropy": N_("categorical cross-entropy"),
    "class.dog": N_("dog"), "class.cat": N_("cat"), "class.mouse": N_("mouse"), "class.cow": N_("cow"), "class.hen": N_("hen"),
    # --- describing an exercise's network, data and table -------------------------------------
    "network.shape": N_("A {shape} network: {layers}; loss: {loss}."),
    "network.layer": N_("layer {layer} {activation}"),
    "network.output": N_("output layer {activation}"),
    "network.weights": N_("W{layer} (rows: inputs of the layer, columns: its units)"),
    "network.no-hidden": N_("No hidden layer: ŷ = w·x + b, with w = W1[1,1] = {w} and b = b1[1] = {b}; loss: {loss}."),
    "data.point": N_("data point {point}: x = ({x}), y = ({y})"),
    "data.points": N_("Data:"),
    "table.intro": N_("A softmax output for {rows} images and {classes} classes; each row sums to 1 and its target class is marked *."),
    "table.row": N_("row {row} (target {target})"),
    "rounding": N_("Keep at least 4 significant digits in intermediate values; natural logarithms (ln)."),
    # --- what an exercise asks -----------------------------------------------------------------
    "ask.h": N_("What is {name}, the pre-activation of unit {unit} of layer {layer}, for data point {point}?"),
    "ask.a": N_("What is {name}, the activation of unit {unit} of layer {layer}, for data point {point}?"),
    "ask.prediction": N_("What is the prediction {name} for data point {point}?"),
    "ask.loss": N_("What is the loss C over all the data?"),
    "ask.gradient": N_("What is the gradient ∂C/∂{parameter} of the loss over all the data?"),
    "ask.updated": N_("What is {parameter} after one step of gradient descent at learning rate {lr}?"),
    "ask.y3x-data": N_("The chapter's y = 3x data: x = 1, 2, 3, 4 and y = 3, 6, 9, 12."),
    "ask.y3x": N_("What is {parameter} after one step of gradient descent at learning rate {lr}?"),
    "ask.row-loss": N_("What is row {row}'s loss, −ln p(target)?"),
    "ask.mean-loss": N_("What is the table's loss (categorical cross-entropy, the mean over the rows)?"),
    # --- worked solutions ---------------------------------------------------------------------
    "solve.forward": N_("The forward pass for data point {point}:"),
    "solve.backward": N_("The backward pass, output first:"),
    "solve.softmax-with-loss": N_("softmax with cross-entropy"),
    "solve.update": N_("Every parameter moves at once: θ ← θ − lr·∂C/∂θ."),
    "solve.mean": N_("the mean over the {rows} rows"),
    # --- checking --------------------------------------------------------------------------------
    "check.empty": N_("Type a number (e.g. 0.731 or -1.2e-3), then press Enter."),
    "check.not-a-number": N_("{text!r} is not a number: type digits, e.g. 0.731, -0.25 or 1.2e-3."),
    "check.not-finite": N_("Type a finite number: {text} cannot be an answer here."),
    "check.right": N_("Right: {answer} (you typed {given})."),
    "check.wrong": N_("Not quite: the answer is {answer} (you typed {given}). The worked solution:"),
    "check.tolerance": N_("Accepted within ±{tolerance} (about 3 significant digits)."),
    # --- the quiz screen ---------------------------------------------------------------------------
    "screen.title": N_("Quiz · seed {seed} · {count} exercises"),
    "screen.exercises": N_("Exercises"),
    "screen.review": N_("Review questions"),
    "screen.exercise": N_("Exercise {number} of {count}"),
    "screen.progress": N_("score {right} of {answered} answered"),
    "screen.placeholder": N_("your answer, then Enter"),
    "screen.next": N_("Press Enter for the next exercise."),
    "screen.finish": N_("Press Enter to see your score."),
    "screen.score": N_("Your score: {right} of {count}."),
    "screen.score-detail": N_("Exercise {number}: {verdict} ({given}; the answer is {answer})"),
    "screen.verdict.right": N_("right"),
    "screen.verdict.wrong": N_("wrong"),
    "screen.verdict.skipped": N_("not answered"),
    "screen.saved": N_("Results saved to {path}."),
    "screen.save-failed": N_("Could not save the results: {error}"),
    "screen.save-prompt": N_("Save the results to (a file name, then Enter):"),
    "screen.again": N_("Esc goes back to the lab; the quiz key (k) comes back here."),
    "screen.review-hint": N_("↑↓ choose a question · Enter: show me in the lab · ctrl+e: the exercises"),
    "screen.show-me": N_("Show me: {what}"),
    "screen.answer": N_("The chapter's answer"),
    "screen.backend": N_("This lab's backend: {backend}."),
    # --- the ten review questions, as the chapter asks them ----------------------------------------
    "review.1.question": N_("What are the layers in a neural network?"),
    "review.1.answer": N_(
        "An input layer, which takes the independent variables; one or more hidden (intermediate) "
        "layers, which connect the input and output layers and transform the data, their nodes "
        "changing values through activation functions; and an output layer, which holds the values "
        "the inputs are expected to produce: one node for a continuous output, m nodes for a choice "
        "among m classes. Every arrow between two layers carries an adjustable weight, and every "
        "hidden or output node adds a bias."
    ),
    "review.1.show": N_("the toy network's layers: inputs x1, x2, three sigmoid hidden units, one linear output"),
    "review.2.question": N_("What is the output of feed-forward propagation?"),
    "review.2.answer": N_(
        "The network's prediction ŷ for each input, from the output layer, and, compared with the "
        "expected output, the loss for the current weights: the chapter's feed_forward function "
        "returns the mean squared error. In its walk-through, input (1, 1) gives ŷ = 1.235 "
        "(1.2332 unrounded) against a target of 0."
    ),
    "review.2.show": N_("the feed-forward walk-through at its loss step: ŷ and C for input (1, 1)"),
    "review.3.question": N_(
        "How is the loss function of a continuous dependent variable different from that of a "
        "binary and of a categorical dependent variable?"
    ),
    "review.3.answer": N_(
        "A continuous variable is scored with the mean squared error, (1/m) Σ (y − ŷ)² (or the mean "
        "absolute error). A binary one uses binary cross-entropy on a predicted probability p, "
        "−(1/m) Σ [y·ln p + (1 − y)·ln(1 − p)]; a categorical one uses categorical cross-entropy on a "
        "softmax row of probabilities, −(1/m) Σ_rows Σ_classes y·ln p. Cross-entropy is small when "
        "the right class is likely (0.128 for p = 0.88) and grows without bound as its probability "
        "goes to 0."
    ),
    "review.3.show": N_("the loss gallery: each loss as a function of one prediction"),
    "review.4.question": N_("What is stochastic gradient descent?"),
    "review.4.answer": N_(
        "Gradient descent is the whole process of updating the weights to reduce the error: the "
        "gradient is the change in the loss when a weight changes a little, and descent means going "
        "down. Stochastic means that each decision is made on a randomly chosen sample: in practice "
        "the gradient is computed on one batch of data points at a time (typically 32 to 1,024), "
        "one update per batch, until every data point has been used in the epoch."
    ),
    "review.4.show": N_("the spiral, trained in mini-batches of 50: one update per batch"),
    "review.5.question": N_("What does backpropagation do?"),
    "review.5.answer": N_(
        "It starts from the loss that feed-forward propagation produced and changes the weights so "
        "that the loss goes down: for each weight it measures how the loss changes when the weight "
        "changes a little (the gradient), and moves the weight against it by the learning rate times "
        "the gradient. The chain rule gives every gradient from one backward pass, "
        "∂C/∂w11 = ∂C/∂ŷ · ∂ŷ/∂a11 · ∂a11/∂h11 · ∂h11/∂w11, instead of recomputing the loss once "
        "per weight as the finite difference does; both give the same update."
    ),
    "review.5.show": N_("the backward pass of the first layer, the chain rule beside the finite difference"),
    "review.6.question": N_("How does the weight update of all the weights across layers happen during backpropagation?"),
    "review.6.answer": N_(
        "Every parameter moves at once. Each gradient is computed from the same weights, those at the "
        "start of the epoch (the chapter nudges a fresh copy of them for every parameter), and then "
        "all the weights and biases of all the layers are updated together, w ← w − lr·∂C/∂w. "
        "Because no update depends on another, they can all be computed in parallel."
    ),
    "review.6.show": N_("the update step, \"every parameter moves at once\""),
    "review.7.question": N_("What functions of a neural network happen within each epoch of training?"),
    "review.7.answer": N_(
        "Feed-forward propagation (each layer's pre-activations h and activations a, the prediction, "
        "then the loss), backpropagation (the gradient of the loss for every weight and bias), and "
        "the update of every parameter by the learning rate times its gradient. Doing this over the "
        "whole data set n times is training for n epochs."
    ),
    "review.7.show": N_("the start of an epoch: press n to walk through its steps"),
    "review.8.question": N_("Why is training a network faster on a GPU than on a CPU?"),
    "review.8.answer": N_(
        "Because the chain rule gives every parameter's update from the same starting values, the "
        "updates across all the layers can be computed in parallel; with millions of parameters, "
        "doing each calculation on a different core of a GPU is much faster than looping through the "
        "weights one at a time. That only pays at scale: at the chapter's 2-3-1 size a GPU step costs "
        "more than a NumPy step, because launching the GPU's work costs more than the arithmetic. "
        "Measured on an H200 (median µs per training step, NumPy / CuPy; the GPU wins from a few "
        "million multiply-adds per step):"
    ),
    "review.8.table-head": N_("network"),
    "review.8.table-batch": N_("batch {batch}"),
    "review.8.show": N_("the backend line under the status: which backend this lab chose, and why"),
    "review.9.question": N_("How does the learning rate affect the training of a neural network?"),
    "review.9.answer": N_(
        "The update is the learning rate times the gradient. In the chapter's y = 3x experiment, after "
        "the first epoch w is 0.45 at a learning rate of 0.01, 4.5 at 0.1 and 45 at 1. A low rate "
        "moves slowly but steadily towards the best value (w creeps towards 3); a moderate one "
        "oscillates at first, then settles in fewer epochs; a high one throws the weight to very large "
        "values, where a small change barely changes the loss, and it never reaches the best value."
    ),
    "review.9.show": N_("y = 3x at learning rates 0.01, 0.1 and 1, side by side, after the first update"),
    "review.10.question": N_("What is a typical value of the learning rate parameter?"),
    "review.10.answer": N_(
        "Between 0.0001 and 0.01, the chapter says: in general a low learning rate is better, as the "
        "model learns slowly but settles the weights at their best values."
    ),
    "review.10.show": N_("y = 3x trained with 1,000 learning rates from 0.0001 to 10, and where training breaks"),
}


def say(key: str, **values: object) -> str:
    """The sentence ``key`` in the interface language, with ``values`` put in."""
    if key in SYMBOLS:
        return SYMBOLS[key].format(**values)
    return _(WORDS[key]).format(**values)
