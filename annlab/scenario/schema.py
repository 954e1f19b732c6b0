"""The shape of a scenario file, as msgspec structs.

msgspec checks types and refuses unknown keys (``forbid_unknown_fields``) so that a typo is
never silently ignored; ``annlab.scenario.loader`` adds the checks that need several keys at
once (shapes, names, sums) and turns every failure into one line for the learner.
"""

from __future__ import annotations

from typing import Literal

import msgspec


class _Section(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class TextSection(_Section):
    """``[scenario.zh]``, ``[scenario.en]``: the title and summary in one language."""

    title: str
    summary: str | None = None  # None: the file's own summary ([scenario]'s)


class ScenarioInfo(_Section):
    title: str  # the file's own text, shown in a language without a table of its own
    kind: str = "training"  # a name in annlab.scenario.kinds.KINDS (the loader checks it)
    summary: str = ""
    # One table per interface language (annlab.language.LANGUAGES), each optional.
    en: TextSection | None = None
    zh: TextSection | None = None


class DataSection(_Section):
    # Explicit data, one row per data point ...
    inputs: list[list[float]] | None = None
    targets: list[list[float]] | None = None
    # ... or a generator (see annlab.engine.datasets).
    generator: str | None = None
    samples: int = 200
    noise: float = 0.1
    classes: int = 2
    seed: int = 0


class NetworkSection(_Section):
    layers: list[int]
    activations: list[str]
    dtype: Literal["float32", "float64"] = "float64"
    weights: list[list[list[float]]] | None = None
    biases: list[list[float]] | None = None
    seed: int | None = None
    init: Literal["xavier", "he", "uniform"] = "xavier"


class SweepSection(_Section):
    start: float = msgspec.field(name="from")
    to: float
    count: int
    scale: Literal["log", "linear"] = "log"


class TrainingSection(_Section):
    loss: str = "mse"
    learning_rates: list[float] | None = None
    sweep: SweepSection | None = None
    epochs: int = 100
    gradient: str | list[str] = "chain-rule"  # several: one run per method
    finite_difference_step: float = 1e-4
    batch_size: int = 0
    shuffle_seed: int = 0
    optimizer: str | list[str] = "sgd"  # several: one run per optimiser, from the same start
    # Hyper-parameters, each only with an optimiser that uses it (PyTorch's names and defaults).
    momentum: float | None = None
    rho: float | None = None
    beta1: float | None = None
    beta2: float | None = None
    epsilon: float | None = None


class TableSection(_Section):
    classes: list[str]
    targets: list[str]
    probabilities: list[list[float]] | None = None
    logits: list[list[float]] | None = None


class GallerySection(_Section):
    functions: list[str] | None = None
    x_from: float = -10.0
    x_to: float = 10.0
    points: int = 201
    cursor: float = 0.0
    target: float = 1.0


class ScenarioFile(_Section):
    scenario: ScenarioInfo
    data: DataSection | None = None
    network: NetworkSection | None = None
    training: TrainingSection | None = None
    table: TableSection | None = None
    gallery: GallerySection | None = None
