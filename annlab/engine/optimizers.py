"""The update: how a gradient moves the parameters. One object per run, its state set up once,
then one ``step`` per batch.

Every optimiser works on flat arrays (all the weights and biases of a network, or of a stack of
networks for a learning-rate sweep, in one array): ``grads`` the gradient the step uses,
``compute`` the parameters widened to the compute dtype (the maths runs in NumPy's promotion of
data and parameters), ``stored`` the same parameters in their own dtype (float32 in the
chapter). A step computes in the compute dtype and rounds into ``stored``, as the chapter's
``updated_weights[i][index] -= grad*lr`` does on a float32 array, then widens the rounded values
back into ``compute`` for the next step's maths.

Only plain gradient descent lives here for now; momentum, RMSprop and Adam will be entries of
``OPTIMIZERS`` with the same two methods, and their per-parameter state (a velocity, the
moments) goes into each recorded update through ``state()``.
"""

from __future__ import annotations

from typing import Any

Array = Any


class GradientDescent:
    """θ ← θ − lr·∂C/∂θ, every parameter at once (the chapter's update).

    ``rate`` is the learning rate in the compute dtype: a 0-d array for one run, or an array
    laid out like the gradients for a sweep (each copy its own rate; a sweep zeroes a diverged
    copy's rate so that it rests)."""

    name = "sgd"

    def __init__(self, xp: Any, rate: Array, like: Array):
        self.xp = xp
        self.rate = rate
        self._step = like.copy(order="K")  # scratch laid out like the gradients

    def step(self, grads: Array, compute: Array, stored: Array) -> None:
        xp = self.xp
        xp.multiply(grads, self.rate, out=self._step)
        xp.subtract(compute, self._step, out=self._step)
        stored[...] = self._step
        if compute is not stored:
            compute[...] = stored

    def state(self) -> None:
        """Plain gradient descent keeps no state between steps."""
        return None


OPTIMIZERS = {GradientDescent.name: GradientDescent}
