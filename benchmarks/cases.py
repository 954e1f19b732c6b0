"""The benchmark cases: scenarios built in code for the larger networks, shared by the CPU
and GPU benchmarks and the memory checks."""

from __future__ import annotations

import dataclasses

import numpy as np

from annlab.engine.datasets import generate, initial_parameters
from annlab.messages import Message
from annlab.scenario.bundled import resolve
from annlab.scenario.loader import load_scenario
from annlab.scenario.model import Scenario, ScenarioText


def network_case(sizes: tuple[int, ...], samples: int, batch: int, epochs: int, activations: tuple[str, ...] | None = None, dtype: str = "float64", lr: float = 0.1) -> Scenario:
    """A classifier scenario: spiral data for 2 inputs, else seeded synthetic data (Gaussian
    inputs, random one-hot classes), He-initialised, softmax + categorical cross-entropy."""
    base = load_scenario(resolve("spiral"))
    classes = sizes[-1]
    if sizes[0] == 2:
        x, y = generate("spiral", samples, 0.1, classes, 0)
    else:
        rng = np.random.default_rng(0)
        x = rng.standard_normal((samples, sizes[0]))
        y = np.eye(classes)[rng.integers(0, classes, samples)]
    # Synthetic data in the parameters' dtype, as the loader makes generated data.
    x, y = x.astype(dtype), y.astype(dtype)
    weights, biases = initial_parameters(sizes, "he", 0)
    hidden = activations or ("relu",) * (len(sizes) - 2)
    network = dataclasses.replace(base.network, layer_sizes=sizes, activations=hidden + ("softmax",), weights=weights, biases=biases, dtype=dtype, origin=Message.of("weights-initialised", init="he", seed=0))
    scenario = dataclasses.replace(base, text=ScenarioText(f"{'-'.join(map(str, sizes))} on {samples:,} points", base.text.summary), texts={}, inputs=x, targets=y, network=network)
    return scenario.with_training(epochs=epochs, batch_size=0 if batch >= samples else batch, learning_rates=(lr,), sweep=False, gradients=("chain-rule",))


# name: (layer sizes, data points, batch, epochs timed on the CPU)
NETWORKS = {
    "2-64-64-3 spiral, 10,000 points, full batch": ((2, 64, 64, 3), 10_000, 10_000, 5),
    "784-256-10, batch 256 (4,096 points)": ((784, 256, 10), 4_096, 256, 3),
}
