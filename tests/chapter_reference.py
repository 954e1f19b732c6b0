"""The chapter's own code, typed in from the text (Gradient_descent.ipynb, Back_propagation
and Learning_rate.ipynb in Chapter 1), used as an independent oracle: annlab's engine shares
no code with it."""

from __future__ import annotations

from copy import deepcopy

import numpy as np

TOY_X = np.array([[1, 1]])
TOY_Y = np.array([[0]])


def toy_initial_weights() -> list[np.ndarray]:
    return [
        np.array([[-0.0053, 0.3793], [-0.5820, -0.5204], [-0.2723, 0.1896]], dtype=np.float32).T,
        np.array([-0.0140, 0.5607, -0.0628], dtype=np.float32),
        np.array([[0.1528, -0.1745, -0.1135]], dtype=np.float32).T,
        np.array([-0.5516], dtype=np.float32),
    ]


def toy_feed_forward(inputs, outputs, weights):
    pre_hidden = np.dot(inputs, weights[0]) + weights[1]
    hidden = 1 / (1 + np.exp(-pre_hidden))
    pred_out = np.dot(hidden, weights[2]) + weights[3]
    mean_squared_error = np.mean(np.square(pred_out - outputs))
    return mean_squared_error


def linear_feed_forward(inputs, outputs, weights):
    pred_out = np.dot(inputs, weights[0]) + weights[1]
    mean_squared_error = np.mean(np.square(pred_out - outputs))
    return mean_squared_error


def update_weights(feed_forward, inputs, outputs, weights, lr, log=None):
    original_weights = deepcopy(weights)
    updated_weights = deepcopy(weights)
    original_loss = feed_forward(inputs, outputs, original_weights)
    for i, layer in enumerate(original_weights):
        for index, weight in np.ndenumerate(layer):
            temp_weights = deepcopy(weights)
            temp_weights[i][index] += 0.0001
            _loss_plus = feed_forward(inputs, outputs, temp_weights)
            grad = (_loss_plus - original_loss) / (0.0001)
            updated_weights[i][index] -= grad * lr
            if log is not None and i % 2 == 0:
                log.append(
                    (original_weights[i][index], original_loss, _loss_plus, grad, updated_weights[i][index])
                )
    return updated_weights, original_loss


def toy_run(epochs: int = 100, lr: float = 0.01):
    W = toy_initial_weights()
    losses = []
    for _ in range(epochs):
        W, loss = update_weights(toy_feed_forward, TOY_X, TOY_Y, W, lr)
        losses.append(loss)
    return W, losses


def y3x_run(lr: float, epochs: int):
    x = [[1], [2], [3], [4]]
    y = [[3], [6], [9], [12]]
    W = [np.array([[0]], dtype=np.float32), np.array([[0]], dtype=np.float32)]
    log: list = []
    weight_value = []
    for _ in range(epochs):
        W, _loss = update_weights(linear_feed_forward, x, y, W, lr, log)
        weight_value.append(W[0][0][0])
    return W, weight_value, log
