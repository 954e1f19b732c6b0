"""Training's fast paths give the same bits as the narrated ones they stand in for.

The Trainer trains through ``Network.loss_and_gradients`` (flat buffers, bare sigmoid and
MSE without their per-call wrappers) and finite differences through ``FlatFiniteDifference``
(every nudged copy in one batched pass). These tests hold them to the reference paths
(``forward`` + ``backward``, ACTIVATIONS, LOSSES, ``finite_difference``) bit for bit, on
random networks, so that a change to a formula cannot part training from what is shown.
"""

from __future__ import annotations

import numpy as np
import pytest

from annlab.engine.activations import ACTIVATIONS
from annlab.engine.gradients import FlatFiniteDifference, chain_rule, finite_difference
from annlab.engine.losses import LOSSES
from annlab.engine.network import BARE_BACKWARD, BARE_FORWARD, BARE_LOSS, BARE_LOSS_AND_GRADIENT, Network, Parameters
from annlab.training.trainer import FlatParameters


def _random_network(rng, sizes, dtype):
    weights = [rng.normal(0, 1, (a, b)).astype(dtype) for a, b in zip(sizes, sizes[1:])]
    biases = [rng.normal(0, 1, b).astype(dtype) for b in sizes[1:]]
    return Parameters(weights, biases)


def test_bare_functions_match_the_reference_bit_for_bit():
    rng = np.random.default_rng(1)
    h = np.concatenate([rng.normal(0, 30, (50, 7)), np.full((1, 7), -800.0), np.full((1, 7), 800.0)])
    with np.errstate(all="ignore"):
        for name, bare in BARE_FORWARD.items():
            assert np.array_equal(bare(np, h), ACTIVATIONS[name].forward(np, h))
        for name, bare in BARE_BACKWARD.items():
            a, up = ACTIVATIONS[name].forward(np, h), rng.normal(0, 1, h.shape)
            assert np.array_equal(bare(np, h, a, up), ACTIVATIONS[name].backward(np, h, a, up))
        for rows, cols in ((1, 1), (4, 1), (37, 3)):
            for dtype in (np.float32, np.float64):
                p, y = rng.normal(0, 5, (6, rows, cols)).astype(dtype), rng.normal(0, 5, (rows, cols)).astype(dtype)
                for name, bare in BARE_LOSS.items():
                    assert np.array_equal(bare(np, p, y), LOSSES[name].value(np, p, y))
                    assert np.array_equal(bare(np, p[0], y), LOSSES[name].value(np, p[0], y))
                for name, bare in BARE_LOSS_AND_GRADIENT.items():
                    value, gradient = bare(np, p[0], y)
                    assert np.array_equal(value, LOSSES[name].value(np, p[0], y))
                    assert np.array_equal(gradient, LOSSES[name].gradient(np, p[0], y))


@pytest.mark.parametrize(
    "sizes, activations, loss",
    [
        ((2, 3, 1), ["sigmoid", "linear"], "mse"),
        ((3, 5, 4, 2), ["tanh", "relu", "sigmoid"], "binary-cross-entropy"),
        ((2, 6, 3), ["relu", "softmax"], "categorical-cross-entropy"),
        ((1, 1), ["linear"], "mae"),
    ],
)
def test_loss_and_gradients_equal_forward_then_backward(sizes, activations, loss):
    rng = np.random.default_rng(7)
    network = Network(np, activations, loss)
    for dtype in (np.float32, np.float64):
        params = _random_network(rng, sizes, dtype)
        x = rng.normal(0, 1, (9, sizes[0]))
        y = rng.uniform(0, 1, (9, sizes[-1]))
        if loss == "categorical-cross-entropy":
            y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], 9)]
        with np.errstate(all="ignore"):
            expected_loss, expected, _, _ = chain_rule(network, params, x, y)
            w_out = [np.empty_like(g) for g in expected.weights]
            b_out = [np.empty_like(g) for g in expected.biases]
            got_loss = network.loss_and_gradients(params, x, y, w_out, b_out)
        assert got_loss == expected_loss
        for got, want in zip(w_out + b_out, expected.weights + expected.biases):
            assert got.dtype == want.dtype and np.array_equal(got, want)


@pytest.mark.parametrize("sizes, activations", [((2, 3, 1), ["sigmoid", "linear"]), ((1, 1), ["linear"]), ((3, 4, 2), ["tanh", "sigmoid"])])
def test_the_batched_finite_difference_is_the_layer_by_layer_one(sizes, activations):
    rng = np.random.default_rng(3)
    network = Network(np, activations, "mse")
    layout = FlatParameters(np, [(a, b) for a, b in zip(sizes, sizes[1:])], [(b,) for b in sizes[1:]], np.float32)
    reference = _random_network(rng, sizes, np.float32)
    for view, value in zip(layout.weights + layout.biases, reference.weights + reference.biases):
        view[...] = value
    layout.weights[0][0, 0] = 2048.0  # float32 spacing 2.4e-4 > step: this nudge rounds away
    x, y = rng.normal(0, 1, (4, sizes[0])), rng.normal(0, 1, (4, sizes[-1]))
    fd = FlatFiniteDifference(network, layout.params, layout, 1e-4)
    out = np.empty(layout.size)
    with np.errstate(all="ignore"):
        loss = fd.compute(x, y, out)
        expected = finite_difference(network, layout.params, x, y, 1e-4)

    def flat(g):
        return np.concatenate([a.reshape(-1) for a in g.weights + g.biases])

    assert loss == expected.loss
    assert np.array_equal(out, flat(expected.gradients))
    assert np.array_equal(fd.loss_plus, flat(expected.loss_plus))
    assert np.array_equal(fd.nudges, flat(expected.nudges))
    assert fd.nudges[0] == 0.0 and out[0] == 0.0  # the stuck weight, as the chapter's code has it


def test_bare_relu_keeps_the_references_zeros_nans_and_infinities():
    # The bare relu is fmax + 0, the reference where(h > 0, h, 0): they must agree where
    # fmax and where differ in spirit (NaN, −0, ±inf, subnormals), sign bits included.
    special = [-0.0, 0.0, np.nan, -np.nan, np.inf, -np.inf, 5e-324, -5e-324, 1.5, -2.5]
    for dtype in (np.float32, np.float64):
        h = np.array(special * 7, dtype=dtype).reshape(7, 10)
        with np.errstate(all="ignore"):
            bare, reference = BARE_FORWARD["relu"](np, h), ACTIVATIONS["relu"].forward(np, h)
        assert bare.dtype == reference.dtype == dtype
        assert np.array_equal(bare, reference) and np.array_equal(np.signbit(bare), np.signbit(reference))
