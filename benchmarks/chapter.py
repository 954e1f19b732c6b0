"""The chapter's own toy-network training loop, typed in from Chapter 1's Back_propagation
code (the seed text, "Modern Computer Vision with PyTorch", section on the toy network): a
forward finite difference over every parameter in a Python loop, on deepcopies of the
weights. This is the baseline that annlab's speed is measured against."""

from copy import deepcopy

import numpy as np

x = np.array([[1, 1]])
y = np.array([[0]])


def initial_weights():
    return [
        np.array([[-0.0053, 0.3793],
                  [-0.5820, -0.5204],
                  [-0.2723, 0.1896]], dtype=np.float32).T,
        np.array([-0.0140, 0.5607, -0.0628], dtype=np.float32),
        np.array([[0.1528, -0.1745, -0.1135]], dtype=np.float32).T,
        np.array([-0.5516], dtype=np.float32),
    ]


def feed_forward(inputs, outputs, weights):
    pre_hidden = np.dot(inputs, weights[0]) + weights[1]
    hidden = 1 / (1 + np.exp(-pre_hidden))
    pred_out = np.dot(hidden, weights[2]) + weights[3]
    mean_squared_error = np.mean(np.square(pred_out - outputs))
    return mean_squared_error


def update_weights(inputs, outputs, weights, lr):
    original_weights = deepcopy(weights)
    temp_weights = deepcopy(weights)
    updated_weights = deepcopy(weights)
    original_loss = feed_forward(inputs, outputs, original_weights)
    for i, layer in enumerate(original_weights):
        for index, weight in np.ndenumerate(layer):
            temp_weights = deepcopy(weights)
            temp_weights[i][index] += 0.0001
            _loss_plus = feed_forward(inputs, outputs, temp_weights)
            grad = (_loss_plus - original_loss) / (0.0001)
            updated_weights[i][index] -= grad * lr
    return updated_weights, original_loss


def train(epochs: int = 100, lr: float = 0.01):
    """The chapter's `for epoch in range(100): W, loss = update_weights(x, y, W, 0.01)`."""
    W = initial_weights()
    losses = []
    for epoch in range(epochs):
        W, loss = update_weights(x, y, W, lr)
        losses.append(loss)
    return W, losses
