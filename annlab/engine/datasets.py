"""Generated datasets for ``[data] generator = ...``: small 2-D problems a learner can see.

All are seeded and built on the host with NumPy, so a scenario gives the same data on every
machine and backend. Inputs are (samples, 2) except "line" (samples, 1); targets are one-hot
for the classification sets, (samples, 1) values for "line".
"""

from __future__ import annotations

import numpy as np

GENERATORS = ("xor", "circles", "moons", "spiral", "line")


def _one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    return np.eye(classes)[labels]


def generate(name: str, samples: int, noise: float, classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    if name == "line":
        # y = 3x + noise: the chapter's learning-rate problem, with as many points as asked.
        x = np.linspace(-1.0, 1.0, samples)[:, None]
        return x, 3 * x + noise * rng.standard_normal(x.shape)
    if name == "xor":
        corners = rng.integers(0, 2, size=(samples, 2))
        labels = corners[:, 0] ^ corners[:, 1]
        x = corners * 2.0 - 1.0 + noise * rng.standard_normal((samples, 2))
        return x, _one_hot(labels, 2)
    if name == "circles":
        labels = rng.integers(0, 2, size=samples)
        angle = rng.uniform(0, 2 * np.pi, samples)
        radius = np.where(labels == 0, 1.0, 0.5)
        x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
        return x + noise * rng.standard_normal(x.shape), _one_hot(labels, 2)
    if name == "moons":
        labels = rng.integers(0, 2, size=samples)
        t = rng.uniform(0, np.pi, samples)
        upper = np.stack([np.cos(t), np.sin(t)], axis=1)
        lower = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1)
        x = np.where(labels[:, None] == 0, upper, lower)
        return x + noise * rng.standard_normal(x.shape), _one_hot(labels, 2)
    if name == "spiral":
        labels = np.arange(samples) % classes
        r = rng.uniform(0.05, 1.0, samples)
        angle = labels * (2 * np.pi / classes) + r * 4.0 + noise * rng.standard_normal(samples)
        x = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
        return x, _one_hot(labels, classes)
    raise ValueError(f"unknown generator {name!r}")


def initial_parameters(
    layer_sizes: tuple[int, ...], init: str, seed: int
) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """Seeded initial weights on the host (CuPy's random numbers differ from NumPy's)."""
    rng = np.random.default_rng(seed)
    weights, biases = [], []
    for fan_in, fan_out in zip(layer_sizes, layer_sizes[1:]):
        if init == "xavier":
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            w = rng.uniform(-limit, limit, (fan_in, fan_out))
            b = np.zeros(fan_out)
        elif init == "he":
            w = rng.normal(0.0, np.sqrt(2.0 / fan_in), (fan_in, fan_out))
            b = np.zeros(fan_out)
        else:  # "uniform", PyTorch's default for nn.Linear
            limit = 1.0 / np.sqrt(fan_in)
            w = rng.uniform(-limit, limit, (fan_in, fan_out))
            b = rng.uniform(-limit, limit, fan_out)
        weights.append(w)
        biases.append(b)
    return tuple(weights), tuple(biases)
