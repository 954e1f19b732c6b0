"""The update: how a gradient moves the parameters. One object per run, its state set up once,
then one ``step`` per batch.

Every optimiser works on flat arrays (all the weights and biases of a network, or of a stack of
networks for a learning-rate sweep, in one array): ``grads`` the gradient the step uses,
``compute`` the parameters widened to the compute dtype (the maths runs in NumPy's promotion of
data and parameters), ``stored`` the same parameters in their own dtype (float32 in the
chapter). A step computes in the compute dtype and rounds into ``stored``, as the chapter's
``updated_weights[i][index] -= grad*lr`` does on a float32 array, then widens the rounded values
back into ``compute`` for the next step's maths.

The rules are PyTorch's ``torch.optim`` (single-tensor form, operation for operation), so that a
learner's later PyTorch code gives the same numbers (tests/test_optimizers.py checks them against
torch where it is installed, and by hand):

* sgd: θ ← θ − lr·g (the chapter's);
* momentum (SGD with momentum, no dampening, no Nesterov): v ← μ·v + g (v = g on the first
  step), θ ← θ − lr·v;
* rmsprop: s ← ρ·s + (1 − ρ)·g², θ ← θ − lr·g / (√s + ε);
* adam: m ← m + (1 − β1)·(g − m), v ← β2·v + (1 − β2)·g²; with the bias corrections
  m̂ = m / (1 − β1^t) and v̂ = v / (1 − β2^t), θ ← θ − lr·m̂ / (√v̂ + ε) (computed as torch does:
  (lr / (1 − β1^t))·m / (√v / √(1 − β2^t) + ε)).

``state()`` gives the per-parameter state after a step (the velocity, or the moments), which
each recorded update keeps.
"""

from __future__ import annotations

import math
from typing import Any

from annlab.language import N_

Array = Any


class GradientDescent:
    """θ ← θ − lr·∂C/∂θ, every parameter at once (the chapter's update).

    ``rate`` is the learning rate in the compute dtype: a 0-d array for one run, or an array
    laid out like the gradients for a sweep (each copy its own rate; a sweep zeroes a diverged
    copy's rate so that it rests)."""

    name = "sgd"
    label = N_("sgd")  # how a learner reads the name: shown with _(optimizer.label)
    hyper_parameters: tuple[str, ...] = ()
    state_names: tuple[str, ...] = ()

    def __init__(self, xp: Any, rate: Array, like: Array, **hyper: float):
        self.xp = xp
        self.rate = rate
        self.steps = 0
        self._step = like.copy(order="K")  # scratch laid out like the gradients
        self._state = {name: xp.zeros_like(like) for name in self.state_names}
        for name in self.hyper_parameters:
            setattr(self, name, hyper[name])

    def step(self, grads: Array, compute: Array, stored: Array) -> None:
        self.steps += 1
        self._direction(grads)  # lr × how far to move, into self._step
        self.xp.subtract(compute, self._step, out=self._step)
        stored[...] = self._step
        if compute is not stored:
            compute[...] = stored

    def _direction(self, grads: Array) -> None:
        self.xp.multiply(grads, self.rate, out=self._step)

    def state(self) -> dict[str, Array]:
        """The per-parameter state after the last step, by name (live arrays: copy to keep)."""
        return self._state

    def rest(self, rows: Any) -> None:
        """A sweep's diverged copies: rate and state to zero, so that they stay put and finite."""
        self.rate[rows] = 0
        for array in self._state.values():
            array[rows] = 0


class Momentum(GradientDescent):
    name = "momentum"
    label = N_("momentum")
    hyper_parameters = ("momentum",)
    state_names = ("velocity",)

    def _direction(self, grads: Array) -> None:
        xp, v = self.xp, self._state["velocity"]
        if self.steps == 1:
            v[...] = grads  # torch: buf = clone(grad) on the first step
        else:
            xp.multiply(v, self.momentum, out=v)
            xp.add(v, grads, out=v)
        xp.multiply(v, self.rate, out=self._step)


class RMSprop(GradientDescent):
    name = "rmsprop"
    label = N_("rmsprop")
    hyper_parameters = ("rho", "epsilon")
    state_names = ("square_average",)

    def _direction(self, grads: Array) -> None:
        xp, s = self.xp, self._state["square_average"]
        xp.multiply(s, self.rho, out=s)
        s += (1 - self.rho) * (grads * grads)
        denominator = xp.sqrt(s)
        denominator += self.epsilon
        xp.divide(grads, denominator, out=self._step)
        xp.multiply(self._step, self.rate, out=self._step)


class Adam(GradientDescent):
    name = "adam"
    label = N_("adam")
    hyper_parameters = ("beta1", "beta2", "epsilon")
    state_names = ("m", "v")

    def _direction(self, grads: Array) -> None:
        xp, m, v = self.xp, self._state["m"], self._state["v"]
        m += (1 - self.beta1) * (grads - m)  # torch: exp_avg.lerp_(grad, 1 − β1)
        xp.multiply(v, self.beta2, out=v)
        v += (1 - self.beta2) * (grads * grads)
        correction1 = 1 - self.beta1**self.steps
        correction2 = math.sqrt(1 - self.beta2**self.steps)
        denominator = xp.sqrt(v) / correction2
        denominator += self.epsilon
        xp.divide(m, denominator, out=self._step)
        xp.multiply(self._step, self.rate / correction1, out=self._step)


OPTIMIZERS: dict[str, type[GradientDescent]] = {o.name: o for o in (GradientDescent, Momentum, RMSprop, Adam)}
HYPER_DEFAULTS = {"momentum": 0.9, "rho": 0.99, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}
