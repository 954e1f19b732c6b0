"""A validated scenario: frozen dataclasses with host NumPy arrays, ready for the engine."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

import numpy as np

from annlab import language
from annlab.messages import Message


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
    # Where the initial parameters came from, as data (worded where shown, in the interface
    # language: annlab.playback.words): "weights-from-file", or "weights-initialised" with
    # the init and the seed.
    origin: Message

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
class GeneratedData:
    """Where generated data came from (the file's [data] keys), so that a written experiment
    regenerates exactly the same points, in the same dtype."""

    generator: str
    samples: int
    noise: float
    classes: int
    seed: int

    def points(self, dtype: str) -> tuple[np.ndarray, np.ndarray]:
        """The inputs and targets, made as the loader makes them: in the parameters' dtype."""
        from annlab.engine.datasets import generate

        classes = self.classes if self.generator == "spiral" else 2
        x, y = generate(self.generator, self.samples, self.noise, classes, self.seed)
        return x.astype(dtype), y.astype(dtype)


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
class ScenarioText:
    """A scenario's title and summary in one language (``[scenario]``, ``[scenario.zh]`` …)."""

    title: str
    summary: str | None = ""  # None (a language's table without one): the file's own summary


def text_in(own: ScenarioText, texts: Mapping[str, ScenarioText], lang: str) -> ScenarioText:
    """The title and summary shown in ``lang``: its table's, else the file's own (a file in one
    language shows its text whatever the interface language). A table without a summary takes
    the file's own."""
    table = texts.get(lang)
    if table is None:
        return own
    return ScenarioText(table.title, own.summary if table.summary is None else table.summary)


@dataclass(frozen=True)
class Scenario:
    path: Path
    text: ScenarioText  # [scenario]'s title and summary: the file's own text
    kind: str  # "training" | "softmax-table" | "activations" | "losses"
    # The text per interface language ([scenario.zh], [scenario.en]), where the file gives one.
    texts: Mapping[str, ScenarioText] = field(default_factory=dict)
    inputs: np.ndarray | None = None
    targets: np.ndarray | None = None
    generated: GeneratedData | None = None  # set when the data came from a generator
    network: NetworkSpec | None = None
    training: TrainingSpec | None = None
    table: TableSpec | None = None
    gallery: GallerySpec | None = None

    def text_in(self, lang: str) -> ScenarioText:
        return text_in(self.text, self.texts, lang)

    @property
    def title(self) -> str:
        """The title in the interface language (annlab.language.current())."""
        return self.text_in(language.current()).title

    @property
    def summary(self) -> str:
        """The summary in the interface language."""
        return self.text_in(language.current()).summary or ""

    def with_training(self, **changes: object) -> "Scenario":
        """A copy with training settings changed (epochs, learning_rates, gradient, ...).

        The caller validates the values (``annlab.scenario.loader.apply_overrides``)."""
        assert self.training is not None
        return replace(self, training=replace(self.training, **changes))

    def data_are_generated(self) -> bool:
        """The data are still exactly what ``generated`` makes (a copy given other data with
        ``dataclasses.replace`` keeps a stale ``generated``: its data are then the truth)."""
        if self.generated is None or self.network is None or self.inputs is None or self.targets is None:
            return False
        inputs, targets = self.generated.points(self.network.dtype)
        return all(a.dtype == b.dtype and np.array_equal(a, b) for a, b in ((inputs, self.inputs), (targets, self.targets)))

    def with_activations(self, activations: tuple[str, ...]) -> "Scenario":
        """A copy whose layers use other activations, from the same initial weights (an
        activation changes no shape). The caller re-checks it (``loader.check_scenario``)."""
        assert self.network is not None
        return replace(self, network=replace(self.network, activations=tuple(activations)))

    def with_dtype(self, dtype: str) -> "Scenario":
        assert self.network is not None
        changed = replace(self, network=replace(self.network, dtype=dtype))
        if self.data_are_generated():
            # Generated data are made in the parameters' dtype (as the loader makes them), so
            # the experiment on screen is the one its written file loads to.
            inputs, targets = self.generated.points(dtype)
            changed = replace(changed, inputs=inputs, targets=targets)
        return changed
