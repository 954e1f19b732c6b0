"""Every sentence the quiz shows a learner, in one table per language.

The quiz's other modules hold numbers, codes and symbols only; they ask for words here by key,
so a translation is one more table with the same keys (``WORDS["zh"]``), nothing else. Symbols
(h11, W1[1,2], ∂C/∂ŷ, σ) are the chapter's and stay as they are in every language.
"""

from __future__ import annotations

LANGUAGES = ("en",)

_EN: dict[str, str] = {
    # --- names of things ------------------------------------------------------------------
    "activation.sigmoid": "sigmoid",
    "activation.tanh": "tanh",
    "activation.relu": "ReLU",
    "activation.linear": "linear",
    "activation.softmax": "softmax",
    "loss.mse": "mean squared error",
    "loss.mae": "mean absolute error",
    "loss.binary-cross-entropy": "binary cross-entropy",
    "loss.categorical-cross-entropy": "categorical cross-entropy",
    "class.dog": "dog", "class.cat": "cat", "class.mouse": "mouse", "class.cow": "cow", "class.hen": "hen",
    # --- describing an exercise's network, data and table -------------------------------------
    "network.shape": "A {shape} network: {layers}; loss: {loss}.",
    "network.layer": "layer {layer} {activation}",
    "network.output": "output layer {activation}",
    "network.weights": "W{layer} (rows: inputs of the layer, columns: its units)",
    "network.biases": "b{layer} = {values}",
    "network.no-hidden": "No hidden layer: ŷ = w·x + b, with w = W1[1,1] = {w} and b = b1[1] = {b}; loss: {loss}.",
    "data.point": "data point {point}: x = ({x}), y = ({y})",
    "data.points": "Data:",
    "table.intro": "A softmax output for {rows} images and {classes} classes; each row sums to 1 and its target class is marked *.",
    "table.row": "row {row} (target {target})",
    "rounding": "Keep at least 4 significant digits in intermediate values; natural logarithms (ln).",
    # --- what an exercise asks -----------------------------------------------------------------
    "ask.h": "What is {name}, the pre-activation of unit {unit} of layer {layer}, for data point {point}?",
    "ask.a": "What is {name}, the activation of unit {unit} of layer {layer}, for data point {point}?",
    "ask.prediction": "What is the prediction {name} for data point {point}?",
    "ask.loss": "What is the loss C over all the data?",
    "ask.gradient": "What is the gradient ∂C/∂{parameter} of the loss over all the data?",
    "ask.updated": "What is {parameter} after one step of gradient descent at learning rate {lr}?",
    "ask.y3x-data": "The chapter's y = 3x data: x = 1, 2, 3, 4 and y = 3, 6, 9, 12.",
    "ask.y3x": "What is {parameter} after one step of gradient descent at learning rate {lr}?",
    "ask.row-loss": "What is row {row}'s loss, −ln p(target)?",
    "ask.mean-loss": "What is the table's loss (categorical cross-entropy, the mean over the rows)?",
    # --- worked solutions ---------------------------------------------------------------------
    "solve.forward": "The forward pass for data point {point}:",
    "solve.backward": "The backward pass, output first:",
    "solve.softmax-with-loss": "softmax with cross-entropy",
    "solve.update": "Every parameter moves at once: θ ← θ − lr·∂C/∂θ.",
    "solve.mean": "the mean over the {rows} rows",
    # --- checking --------------------------------------------------------------------------------
    "check.empty": "Type a number (e.g. 0.731 or -1.2e-3), then press Enter.",
    "check.not-a-number": "{text!r} is not a number: type digits, e.g. 0.731, -0.25 or 1.2e-3.",
    "check.not-finite": "Type a finite number: {text} cannot be an answer here.",
    "check.right": "Right: {answer} (you typed {given}).",
    "check.wrong": "Not quite: the answer is {answer} (you typed {given}). The worked solution:",
    "check.tolerance": "Accepted within ±{tolerance} (about 3 significant digits).",
    # --- the quiz screen ---------------------------------------------------------------------------
    "screen.title": "Quiz · seed {seed} · {count} exercises",
    "screen.exercises": "Exercises",
    "screen.review": "Review questions",
    "screen.exercise": "Exercise {number} of {count}",
    "screen.progress": "score {right} of {answered} answered",
    "screen.placeholder": "your answer, then Enter",
    "screen.next": "Press Enter for the next exercise.",
    "screen.finish": "Press Enter to see your score.",
    "screen.score": "Your score: {right} of {count}.",
    "screen.score-detail": "Exercise {number}: {verdict} ({given}; the answer is {answer})",
    "screen.verdict.right": "right",
    "screen.verdict.wrong": "wrong",
    "screen.verdict.skipped": "not answered",
    "screen.saved": "Results saved to {path}.",
    "screen.save-failed": "Could not save the results: {error}",
    "screen.save-prompt": "Save the results to (a file name, then Enter):",
    "screen.save-placeholder": "results.json",
    "screen.again": "Esc goes back to the lab; the quiz key (k) comes back here.",
    "screen.review-hint": "↑↓ choose a question · Enter: show me in the lab · ctrl+e: the exercises",
    "screen.show-me": "Show me: {what}",
    "screen.answer": "The chapter's answer",
    "screen.backend": "This lab's backend: {backend}.",
    # --- the ten review questions, as the chapter asks them ----------------------------------------
    "review.1.question": "What are the layers in a neural network?",
    "review.1.answer": (
        "An input layer, which takes the independent variables; one or more hidden (intermediate) "
        "layers, which connect the input and output layers and transform the data, their nodes "
        "changing values through activation functions; and an output layer, which holds the values "
        "the inputs are expected to produce: one node for a continuous output, m nodes for a choice "
        "among m classes. Every arrow between two layers carries an adjustable weight, and every "
        "hidden or output node adds a bias."
    ),
    "review.1.show": "the toy network's layers: inputs x1, x2, three sigmoid hidden units, one linear output",
    "review.2.question": "What is the output of feed-forward propagation?",
    "review.2.answer": (
        "The network's prediction ŷ for each input, from the output layer, and, compared with the "
        "expected output, the loss for the current weights: the chapter's feed_forward function "
        "returns the mean squared error. In its walk-through, input (1, 1) gives ŷ = 1.235 "
        "(1.2332 unrounded) against a target of 0."
    ),
    "review.2.show": "the feed-forward walk-through at its loss step: ŷ and C for input (1, 1)",
    "review.3.question": (
        "How is the loss function of a continuous dependent variable different from that of a "
        "binary and of a categorical dependent variable?"
    ),
    "review.3.answer": (
        "A continuous variable is scored with the mean squared error, (1/m) Σ (y − ŷ)² (or the mean "
        "absolute error). A binary one uses binary cross-entropy on a predicted probability p, "
        "−(1/m) Σ [y·ln p + (1 − y)·ln(1 − p)]; a categorical one uses categorical cross-entropy on a "
        "softmax row of probabilities, −(1/m) Σ_rows Σ_classes y·ln p. Cross-entropy is small when "
        "the right class is likely (0.128 for p = 0.88) and grows without bound as its probability "
        "goes to 0."
    ),
    "review.3.show": "the loss gallery: each loss as a function of one prediction",
    "review.4.question": "What is stochastic gradient descent?",
    "review.4.answer": (
        "Gradient descent is the whole process of updating the weights to reduce the error: the "
        "gradient is the change in the loss when a weight changes a little, and descent means going "
        "down. Stochastic means that each decision is made on a randomly chosen sample: in practice "
        "the gradient is computed on one batch of data points at a time (typically 32 to 1,024), "
        "one update per batch, until every data point has been used in the epoch."
    ),
    "review.4.show": "the spiral, trained in mini-batches of 50: one update per batch",
    "review.5.question": "What does backpropagation do?",
    "review.5.answer": (
        "It starts from the loss that feed-forward propagation produced and changes the weights so "
        "that the loss goes down: for each weight it measures how the loss changes when the weight "
        "changes a little (the gradient), and moves the weight against it by the learning rate times "
        "the gradient. The chain rule gives every gradient from one backward pass, "
        "∂C/∂w11 = ∂C/∂ŷ · ∂ŷ/∂a11 · ∂a11/∂h11 · ∂h11/∂w11, instead of recomputing the loss once "
        "per weight as the finite difference does; both give the same update."
    ),
    "review.5.show": "the backward pass of the first layer, the chain rule beside the finite difference",
    "review.6.question": "How does the weight update of all the weights across layers happen during backpropagation?",
    "review.6.answer": (
        "Every parameter moves at once. Each gradient is computed from the same weights, those at the "
        "start of the epoch (the chapter nudges a fresh copy of them for every parameter), and then "
        "all the weights and biases of all the layers are updated together, w ← w − lr·∂C/∂w. "
        "Because no update depends on another, they can all be computed in parallel."
    ),
    "review.6.show": "the update step, \"every parameter moves at once\"",
    "review.7.question": "What functions of a neural network happen within each epoch of training?",
    "review.7.answer": (
        "Feed-forward propagation (each layer's pre-activations h and activations a, the prediction, "
        "then the loss), backpropagation (the gradient of the loss for every weight and bias), and "
        "the update of every parameter by the learning rate times its gradient. Doing this over the "
        "whole data set n times is training for n epochs."
    ),
    "review.7.show": "the start of an epoch: press n to walk through its steps",
    "review.8.question": "Why is training a network faster on a GPU than on a CPU?",
    "review.8.answer": (
        "Because the chain rule gives every parameter's update from the same starting values, the "
        "updates across all the layers can be computed in parallel; with millions of parameters, "
        "doing each calculation on a different core of a GPU is much faster than looping through the "
        "weights one at a time. That only pays at scale: at the chapter's 2-3-1 size a GPU step costs "
        "more than a NumPy step, because launching the GPU's work costs more than the arithmetic. "
        "Measured on an H200 (median µs per training step, NumPy / CuPy; the GPU wins from a few "
        "million multiply-adds per step):"
    ),
    "review.8.table-head": "network",
    "review.8.table-batch": "batch {batch}",
    "review.8.show": "the backend line under the status: which backend this lab chose, and why",
    "review.9.question": "How does the learning rate affect the training of a neural network?",
    "review.9.answer": (
        "The update is the learning rate times the gradient. In the chapter's y = 3x experiment, after "
        "the first epoch w is 0.45 at a learning rate of 0.01, 4.5 at 0.1 and 45 at 1. A low rate "
        "moves slowly but steadily towards the best value (w creeps towards 3); a moderate one "
        "oscillates at first, then settles in fewer epochs; a high one throws the weight to very large "
        "values, where a small change barely changes the loss, and it never reaches the best value."
    ),
    "review.9.show": "y = 3x at learning rates 0.01, 0.1 and 1, side by side, after the first update",
    "review.10.question": "What is a typical value of the learning rate parameter?",
    "review.10.answer": (
        "Between 0.0001 and 0.01, the chapter says: in general a low learning rate is better, as the "
        "model learns slowly but settles the weights at their best values."
    ),
    "review.10.show": "y = 3x trained with 1,000 learning rates from 0.0001 to 10, and where training breaks",
}

WORDS: dict[str, dict[str, str]] = {"en": _EN}


def say(lang: str, key: str, **values: object) -> str:
    """The sentence ``key`` in ``lang``, with ``values`` put in."""
    return WORDS[lang][key].format(**values)
