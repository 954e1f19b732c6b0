"""One parameter's update, written out with its numbers: plain gradient descent's one line, or
an optimiser's state (velocity, moments) and then the step. Shared by ``annlab play`` and the
app's step panel, so both say the same; every number is one the engine recorded."""

from __future__ import annotations

from typing import Callable, Sequence

from annlab.engine.chain import Parameter
from annlab.language import N_, _
from annlab.scenario.model import TrainingSpec
from annlab.trace import EpochRecord

Format = Callable[[float], str]


def signed_with(fmt: Format) -> Format:
    def signed(value: float) -> str:
        text = fmt(value)
        return f"({text})" if text.startswith("-") else text

    return signed


def _state_value(state: dict | None, name: str, p: Parameter) -> float | None:
    if not state or name not in state:
        return None
    return p.value(*state[name])


def previous_state(records: Sequence[EpochRecord] | None, record: EpochRecord, update: int) -> dict | None:
    """The optimiser's state before ``update`` of ``record``: the previous update's (in this
    epoch, or the last of the epoch before when it was recorded); None where it was not kept."""
    if update > 0:
        return record.updates[update - 1].optimizer_state
    if records is None:
        return None
    before = [r for r in records if r.epoch == record.epoch - 1]
    return before[0].updates[-1].optimizer_state if before and before[0].updates else None


def update_lines(spec: TrainingSpec, optimizer: str, rate: float, before: float, record: EpochRecord, update: int,
                 p: Parameter, fmt: Format, previous: dict | None) -> list[str]:
    """The update of ``p`` in ``record``'s update number ``update`` (0-based), as lines."""
    u = record.updates[update]
    name = p.name
    g = p.value(u.weight_gradients, u.bias_gradients)
    after = p.value(u.weights, u.biases)
    s = signed_with(fmt)
    lr = fmt(rate)
    state = u.optimizer_state or {}
    t = state.get("step")
    if optimizer == "sgd" or not state:
        return [f"{name} ← {name} − lr·∂C/∂{name} = {fmt(before)} − {lr}·{s(g)} = {fmt(after)}"]
    lines = [_("g = ∂C/∂{name} = {g}   (step t = {t})").format(name=name, g=fmt(g), t=t)]
    if optimizer == "momentum":
        mu = spec.momentum
        v = _state_value(state, "velocity", p)
        if t == 1:
            lines.append(_("v ← g on the first step = {v}").format(v=fmt(v)))
        else:
            old = _state_value(previous, "velocity", p)
            shown = s(old) if old is not None else "v"
            lines.append(f"v ← μ·v + g = {fmt(mu)}·{shown} + {s(g)} = {fmt(v)}")
        lines.append(f"{name} ← {name} − lr·v = {fmt(before)} − {lr}·{s(v)} = {fmt(after)}")
    elif optimizer == "rmsprop":
        rho, eps = spec.rho, spec.epsilon
        sq = _state_value(state, "square_average", p)
        old = _state_value(previous, "square_average", p) if t > 1 else 0.0
        shown = s(old) if old is not None else "s"
        lines.append(f"s ← ρ·s + (1 − ρ)·g² = {fmt(rho)}·{shown} + {fmt(1 - rho)}·{s(g)}² = {fmt(sq)}")
        lines.append(f"{name} ← {name} − lr·g/(√s + ε) = {fmt(before)} − {lr}·{s(g)}/(√{fmt(sq)} + {fmt(eps)}) = {fmt(after)}")
    elif optimizer == "adam":
        b1, b2, eps = spec.beta1, spec.beta2, spec.epsilon
        m, v = _state_value(state, "m", p), _state_value(state, "v", p)
        old_m = _state_value(previous, "m", p) if t > 1 else 0.0
        old_v = _state_value(previous, "v", p) if t > 1 else 0.0
        lines.append(f"m ← β1·m + (1 − β1)·g = {fmt(b1)}·{s(old_m) if old_m is not None else 'm'} + {fmt(1 - b1)}·{s(g)} = {fmt(m)}")
        lines.append(f"v ← β2·v + (1 − β2)·g² = {fmt(b2)}·{s(old_v) if old_v is not None else 'v'} + {fmt(1 - b2)}·{s(g)}² = {fmt(v)}")
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        lines.append(f"m̂ = m/(1 − β1^t) = {fmt(m)}/(1 − {fmt(b1)}^{t}) = {fmt(m_hat)};  v̂ = v/(1 − β2^t) = {fmt(v)}/(1 − {fmt(b2)}^{t}) = {fmt(v_hat)}")
        lines.append(f"{name} ← {name} − lr·m̂/(√v̂ + ε) = {fmt(before)} − {lr}·{s(m_hat)}/(√{fmt(v_hat)} + {fmt(eps)}) = {fmt(after)}")
    return lines


WHY = {
    "momentum": N_("momentum: the step follows a velocity that sums past gradients (μ = {momentum}), so it speeds up along a steady slope and carries on through small bumps"),
    "rmsprop": N_("RMSprop: each gradient is divided by the root of its running mean square (ρ = {rho}), so every parameter moves by about lr whatever the size of its gradient"),
    "adam": N_("Adam: the step is lr·m̂/(√v̂ + ε), the averaged gradient over the root of its averaged square (β1 = {beta1}, β2 = {beta2}); that ratio is about ±1, so each step moves a parameter by about lr at most, however steep the loss"),
}


def why(spec: TrainingSpec, optimizer: str) -> str | None:
    text = WHY.get(optimizer)
    return None if text is None else _(text).format(**{k: f"{getattr(spec, k):g}" for k in ("momentum", "rho", "beta1", "beta2")})
