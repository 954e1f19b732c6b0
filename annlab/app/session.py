"""What the training screen shows, kept apart from Textual so that tests can check it directly.

A ``Session`` holds one scenario's runs (one per gradient method and learning rate) as the
runner's events bring them: losses and recorded epochs while a run trains, the whole ``Run``
once it has. Everything an update shows (its forward and backward values, the chain of
factors, the checks) is read from the shared ``Analysis`` of those records: the app trains
nothing and re-derives nothing of its own.
"""

from __future__ import annotations

import numpy as np

from annlab.analysis import Analysis, training_failed
from annlab.engine.backend import Backend
from annlab.engine.chain import Parameter, parameters_of
from annlab.language import N_, _
from annlab.scenario.model import Scenario
from annlab.trace import Divergence, EpochRecord, Run
from annlab.training.runner import EpochsTrained, plan

# The gradient methods in a run's label: their scenario names in English, words in Chinese.
GRADIENT_WORDS = {"chain-rule": N_("chain-rule"), "finite-difference": N_("finite-difference")}


class LiveRun:
    """One run as it trains: the losses and records that have arrived so far, then its Run."""

    def __init__(self, learning_rate: float, gradient: str, dtype: str, initial: tuple, epochs: int, optimizer: str = "sgd", name_optimizer: bool = False):
        self.learning_rate = learning_rate
        self.gradient = gradient
        self.optimizer = optimizer
        self.name_optimizer = name_optimizer or optimizer != "sgd"  # in labels, when optimisers are compared
        self.dtype = dtype
        self.initial_weights, self.initial_biases = initial
        self.epochs = epochs
        self._losses = np.full(epochs, np.nan)  # filled in place: a long run never re-copies it
        self._records: dict[int, EpochRecord] = {}
        self.epochs_done = 0
        self.divergence: Divergence | None = None
        self.result: Run | None = None

    @property
    def label(self) -> str:
        from annlab.playback.numbers import num

        return f"lr {num(self.learning_rate)} · {_(GRADIENT_WORDS.get(self.gradient, self.gradient))}" + (f" · {self.optimizer}" if self.name_optimizer else "")

    @property
    def losses(self) -> np.ndarray:
        return self._losses[: self.epochs_done]

    def trained(self, first_epoch: int, losses: np.ndarray, records: tuple[EpochRecord, ...], divergence: Divergence | None) -> None:
        self._losses[first_epoch - 1 : first_epoch - 1 + losses.shape[0]] = losses
        self.epochs_done = first_epoch - 1 + losses.shape[0]
        for r in records:
            self._records[r.epoch] = r
        self.divergence = divergence

    def finish(self, run: Run) -> None:
        self.result = run
        self._records = {r.epoch: r for r in run.records}
        self._losses[: run.epochs_run] = run.losses
        self.epochs_done = run.epochs_run
        self.divergence = run.divergence

    def record(self, epoch: int) -> EpochRecord | None:
        return self._records.get(epoch)

    def steppable_epochs(self) -> list[int]:
        """Recorded epochs whose start is known: every epoch of a normal run; for very long
        runs, the sampled ones."""
        found = sorted(e for e, r in self._records.items() if r.start_weights is not None)
        return found or [1]

    def parameter_history(self, p: Parameter) -> tuple[np.ndarray, np.ndarray]:
        """(epochs, value after that epoch's last update) for the recorded epochs, epoch 0 = initial."""
        epochs = [0] + sorted(self._records)
        values = [p.value(self.initial_weights, self.initial_biases)] + [
            p.value(self._records[e].weights, self._records[e].biases) for e in epochs[1:]
        ]
        return np.array(epochs), np.array(values, dtype=np.float64)

    @property
    def finished(self) -> bool:
        return self.result is not None

    @property
    def diverged(self) -> bool:
        """Training made things worse: the loss overflowed, or ended above where it began
        (the same test as the sweep's narration: ``annlab.analysis.training_failed``)."""
        return training_failed(self)

    @property
    def final_loss(self) -> float:
        if self.result is not None:
            return self.result.final_loss
        return float(self._losses[self.epochs_done - 1]) if self.epochs_done else float("nan")


class Session:
    def __init__(self, scenario: Scenario, backend: Backend):
        assert scenario.network is not None and scenario.training is not None
        self.scenario = scenario
        self.backend = backend
        net = scenario.network
        self.layer_sizes = net.layer_sizes
        self.layers = len(net.layer_sizes) - 1
        self.activations = net.activations
        self.loss_name = scenario.training.loss
        self.parameters = parameters_of(net.layer_sizes)
        self.restart(backend)

    def restart(self, backend: Backend) -> None:
        """Fresh runs, before training starts or after the GPU failed and training restarted."""
        net, spec = self.scenario.network, self.scenario.training
        assert net is not None and spec is not None
        self.backend = backend
        dtype = np.dtype(net.dtype)
        initial = (tuple(w.astype(dtype) for w in net.weights), tuple(b.astype(dtype) for b in net.biases))
        compared = len(spec.optimizers) > 1
        self.runs = [LiveRun(p.learning_rate, p.gradient, net.dtype, initial, spec.epochs, p.optimizer, compared) for p in plan(self.scenario)]
        self.analysis = Analysis(self.scenario, self.runs)

    @property
    def is_sweep(self) -> bool:
        return len(self.runs) > 10

    @property
    def is_2d_classifier(self) -> bool:
        return self.layer_sizes[0] == 2 and (self.activations[-1] == "softmax" or (self.layer_sizes[-1] == 1 and self.activations[-1] == "sigmoid" and "cross-entropy" in self.loss_name))

    @property
    def all_finished(self) -> bool:
        return all(r.finished for r in self.runs)

    def trained(self, event: EpochsTrained) -> None:
        if event.runs == 1:
            self.runs[event.first_run].trained(event.first_epoch, event.losses, event.records, event.divergence)
            return
        for k in range(event.runs):  # a sweep: every rate's losses, one column each
            self.runs[event.first_run + k].trained(event.first_epoch, event.losses[:, k], (), None)

    def finished(self, first: int, runs: tuple[Run, ...]) -> None:
        for k, run in enumerate(runs):
            self.runs[first + k].finish(run)
