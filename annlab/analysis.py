"""What the views derive from the engine's record, computed once and read by every view.

``annlab play``, the JSON trace and the app all show the same derived numbers, and none of them
re-derives what the engine did: an update's forward and backward values (replayed by the engine
from the parameters the update started from, on the data points it used), the chain of factors
of any parameter's gradient, the gradient checks, the weights a float32 run froze, and for
sweeps where training broke and the exact bound. Everything here is cached: a key press in the
app asks again for what it showed a moment ago.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol, Sequence

import numpy as np

from annlab.engine.chain import Chain, Parameter, chain_of_factors
from annlab.engine.gradients import GradientCheck, central_difference_check, finite_difference, one_parameter_estimates, replay, OneParameterEstimates
from annlab.engine.network import Network, Parameters
from annlab.messages import Message
from annlab.scenario.model import Scenario
from annlab.trace import EpochRecord, Pass, Update

# Above this many parameters the app skips the finite-difference estimates (one forward pass
# per parameter would make a key press slow); play checks only the narrated parameter above
# this many multiply-adds.
MAX_CHECKED_PARAMETERS = 20_000
FULL_CHECK_MACS = 50_000_000


class RunLike(Protocol):
    learning_rate: float
    gradient: str
    dtype: str

    def record(self, epoch: int) -> EpochRecord | None: ...


@dataclass(frozen=True)
class Checks:
    """One update's gradients measured two other ways, beside the chain rule."""

    forward_difference: tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]  # the chapter's, in the parameters' dtype
    central: tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]  # float64 central difference
    step: float
    dtype: str
    used: bool  # the forward difference is the gradient the update used (a finite-difference run)


def gradient_of(parameter: Parameter, gradients: tuple) -> float:
    weights, biases = gradients
    return parameter.value(tuple(weights), tuple(biases))


def relative_error(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1e-12)


class Analysis:
    def __init__(self, scenario: Scenario, runs: Sequence[RunLike]):
        assert scenario.network is not None and scenario.training is not None
        self.scenario = scenario
        self.runs = runs
        self.activations = scenario.network.activations
        self.loss = scenario.training.loss
        self.values = lru_cache(maxsize=64)(self._values)  # type: ignore[method-assign]
        self.checks = lru_cache(maxsize=16)(self._checks)  # type: ignore[method-assign]

    # --- one update ------------------------------------------------------------------------

    def update(self, run: int, epoch: int, update: int) -> tuple[EpochRecord, Update] | None:
        record = self.runs[run].record(epoch)
        if record is None or update >= len(record.updates):
            return None
        return record, record.updates[update]

    def data(self, update: Update) -> tuple[np.ndarray, np.ndarray]:
        """The data points an update used (all of them for full batch)."""
        x, y = self.scenario.inputs, self.scenario.targets
        assert x is not None and y is not None
        if update.indices is None:
            return x, y
        return x[update.indices], y[update.indices]

    def start(self, run: int, epoch: int, update: int) -> tuple[tuple, tuple] | None:
        found = self.update(run, epoch, update)
        return None if found is None else found[0].start_of(update)

    def _values(self, run: int, epoch: int, update: int = 0) -> Pass | None:
        """The update's forward and backward values (None where its start was not kept)."""
        found = self.update(run, epoch, update)
        start = self.start(run, epoch, update)
        if found is None or start is None:
            return None
        x, y = self.data(found[1])
        return replay(np, self.activations, self.loss, start[0], start[1], x, y)

    def chain(self, run: int, epoch: int, update: int, parameter: Parameter) -> Chain | None:
        values = self.values(run, epoch, update)
        if values is None:
            return None
        return chain_of_factors(values, self.activations, self.loss, parameter.kind, parameter.layer, parameter.i, parameter.j)

    def _checks(self, run: int, epoch: int, update: int) -> Checks | None:
        """On the host in NumPy: the chapter's forward difference in the parameters' dtype
        (for a finite-difference run, the one its update used, as recorded) and an independent
        float64 central difference, on the update's own data points."""
        net, spec = self.scenario.network, self.scenario.training
        assert net is not None and spec is not None
        found = self.update(run, epoch, update)
        start = self.start(run, epoch, update)
        if found is None or start is None or net.parameter_count() > MAX_CHECKED_PARAMETERS:
            return None
        used = self.runs[run].gradient == "finite-difference"
        network = Network(np, list(self.activations), self.loss)
        params = Parameters([np.array(w) for w in start[0]], [np.array(b) for b in start[1]])
        x, y = self.data(found[1])
        with np.errstate(all="ignore"):
            if used:
                forward = (found[1].weight_gradients, found[1].bias_gradients)
            else:
                fd = finite_difference(network, params, x, y, spec.finite_difference_step)
                forward = (tuple(np.asarray(g) for g in fd.gradients.weights), tuple(np.asarray(g) for g in fd.gradients.biases))
            check = central_difference_check(network, params, x, y)
        central = (tuple(np.asarray(g) for g in check.numeric.weights), tuple(np.asarray(g) for g in check.numeric.biases))
        return Checks(forward, central, spec.finite_difference_step, self.runs[run].dtype, used)

    # --- the narrated first update (annlab play) ------------------------------------------------

    def first_pass(self) -> Pass:
        values = self.values(0, 1, 0)
        assert values is not None
        return values

    def estimates(self, parameter: Parameter) -> OneParameterEstimates:
        """The narrated parameter's gradient at the first update, two more ways: four forward
        passes, whatever the network's size."""
        net, spec = self.scenario.network, self.scenario.training
        p = self.first_pass()
        network = Network(np, list(self.activations), self.loss)
        params = Parameters([w.astype(net.dtype) for w in p.weights], [b.astype(net.dtype) for b in p.biases])
        index = (parameter.i, parameter.j) if parameter.kind == "weight" else (parameter.i,)
        with np.errstate(all="ignore"):
            return one_parameter_estimates(network, params, p.inputs, p.targets, parameter.kind, parameter.layer, index, spec.finite_difference_step)

    def full_check(self) -> tuple[GradientCheck | None, int, int]:
        """Every parameter checked at the first update, while that stays cheap: (the check or
        None, the parameter count, the multiply-adds it costs)."""
        net = self.scenario.network
        p = self.first_pass()
        count = net.parameter_count()
        work = 2 * count * net.macs_per_step(p.inputs.shape[0])
        if work > FULL_CHECK_MACS:
            return None, count, work
        network = Network(np, list(self.activations), self.loss)
        params = Parameters([w.astype(net.dtype) for w in p.weights], [b.astype(net.dtype) for b in p.biases])
        with np.errstate(all="ignore"):
            return central_difference_check(network, params, p.inputs, p.targets), count, work

    # --- whole runs -------------------------------------------------------------------------------

    def stuck(self, run: Any) -> tuple[Message, ...]:
        """Parameters that a finite-difference run froze: their nudge rounded away."""
        last = run.records[-1].finite_difference if run.records else None
        if last is None:
            return ()
        notes = []
        step = self.scenario.training.finite_difference_step
        for kind, nudges, finals in (("weight", last.weight_nudges, run.final_weights), ("bias", last.bias_nudges, run.final_biases)):
            for l, (nudge, final) in enumerate(zip(nudges, finals), start=1):
                for index in zip(*np.nonzero(nudge == 0)):
                    parameter = Parameter(kind, l, *[int(v) for v in index]) if kind == "weight" else Parameter(kind, l, int(index[-1]))
                    value = float(final[index])
                    first = next(
                        (r.epoch for r in run.records if r.finite_difference is not None
                         and (r.finite_difference.weight_nudges if kind == "weight" else r.finite_difference.bias_nudges)[l - 1][index] == 0),
                        None,
                    )
                    spacing = float(np.spacing(np.abs(final.dtype.type(value))))
                    notes.append(Message.of("stuck", parameter=parameter.name, value=value, epoch=first, dtype=run.dtype, spacing=spacing, step=step))
        return tuple(notes)


def pass_from(scenario: Scenario, weights: tuple, biases: tuple) -> Pass:
    """The forward and backward pass over all the scenario's data from given parameters."""
    assert scenario.network is not None and scenario.training is not None
    return replay(np, scenario.network.activations, scenario.training.loss, weights, biases, scenario.inputs, scenario.targets)
