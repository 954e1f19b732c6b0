"""A validated scenario: frozen dataclasses with host NumPy arrays, ready for the engine."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class NetworkSpec:
    layer_sizes: tuple[int, ...]
    activations: tuple[str, ...]
    dtype: str  # "float32" | "float64": the parameters' dtype
    # The initial parameters as float64 host arrays holding exactly the file's numbers (or the
    # seeded initialisation); they are cast to ``dtype`` when a run starts, which rounds them
    # exactly as the chapter's np.array([...], dtype=np.float32) does.
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    origin: str  # where the initial parameters came from, in words

    def parameter_count(self) -> int:
        return sum(w.size + b.size for w, b in zip(self.weights, self.biases))

    def macs_per_step(self, rows: int) -> int:
        """Multiply-adds of one forward pass over ``rows`` data points."""
        return rows * sum(a * b for a, b in zip(self.layer_sizes, self.layer_sizes[1:]))


@dataclass(frozen=True)
class TrainingSpec:
    loss: str
    learning_rates: tuple[float, ...]
    epochs: int
    gradients: tuple[str, ...]  # "chain-rule" | "finite-difference"; one run per method and rate
    finite_difference_step: float
    batch_size: int  # 0 = full batch
    shuffle_seed: int
    sweep: bool = False  # learning rates came from a sweep range (train them batched)
    # The update's rule (annlab.engine.optimizers): one run per method, optimiser and rate, all
    # from the same initial weights; and the optimisers' hyper-parameters (PyTorch's defaults).
    optimizers: tuple[str, ...] = ("sgd",)
    momentum: float = 0.9
    rho: float = 0.99
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8

    @property
    def gradient(self) -> str:
        return self.gradients[0]

    @property
    def optimizer(self) -> str:
        return self.optimizers[0]

    def hyper_parameters(self, optimizer: str) -> dict[str, float]:
        """The hyper-parameters ``optimizer`` uses, by name (none for sgd)."""
        from annlab.engine.optimizers import OPTIMIZERS

        return {name: getattr(self, name) for name in OPTIMIZERS[optimizer].hyper_parameters}


@dataclass(frozen=True)
class TableSpec:
    classes: tuple[str, ...]
    targets: tuple[str, ...]
    probabilities: np.ndarray | None
    logits: np.ndarray | None


@dataclass(frozen=True)
class GallerySpec:
    functions: tuple[str, ...]
    x_from: float
    x_to: float
    points: int
    cursor: float
    target: float


@dataclass(frozen=True)
class Scenario:
    path: Path
    title: str
    kind: str  # "training" | "softmax-table" | "activations" | "losses"
    summary: str
    inputs: np.ndarray | None = None
    targets: np.ndarray | None = None
    data_origin: str = ""
    network: NetworkSpec | None = None
    training: TrainingSpec | None = None
    table: TableSpec | None = None
    gallery: GallerySpec | None = None

    def with_training(self, **changes: object) -> "Scenario":
        """A copy with training settings changed (epochs, learning_rates, gradient, ...).

        The caller validates the values (``annlab.scenario.loader.apply_overrides``)."""
        assert self.training is not None
        return replace(self, training=replace(self.training, **changes))

    def with_dtype(self, dtype: str) -> "Scenario":
        assert self.network is not None
        return replace(self, network=replace(self.network, dtype=dtype))
