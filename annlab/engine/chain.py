"""Any parameter's gradient as the chain of factors that the chain rule multiplies.

The chapter writes, for w11 of its 2-3-1 network,

    ∂C/∂w11 = ∂C/∂ŷ · ∂ŷ/∂a11 · ∂a11/∂h11 · ∂h11/∂w11 = −2(y − ŷ) · w31 · a11(1 − a11) · x1

and this module builds the same chain for any weight or bias of any layer, with numbers from
a recorded ``Pass``. Names follow the chapter: x_i inputs, h_lj and a_lj the pre-activation and
activation of unit j of layer l, ŷ the output. ``W_l[i,j]`` joins unit i below to unit j.

Walking up from the parameter, each layer above with a single unit (as in the chapter) adds
its own factors, so the product reads as one path. Where a layer above has several units,
∂C/∂a is a sum over them and appears as one factor, computed by backpropagation. With several
data points, the loss is a mean, so ∂C/∂θ is the sum over data points of each point's chain
(the 1/m sits in ∂C/∂ŷ).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from annlab.engine.activations import ACTIVATIONS
from annlab.engine.losses import LOSSES
from annlab.language import _
from annlab.trace import Pass


@dataclass(frozen=True)
class Factor:
    symbol: str  # "∂a11/∂h11"
    meaning: str  # "σ'(h11) = a11·(1 − a11)", in the interface language where it has words
    values: np.ndarray  # one value per data point


@dataclass(frozen=True)
class Chain:
    parameter: str  # "W1[1,1]"
    symbol: str  # "∂C/∂W1[1,1]"
    factors: tuple[Factor, ...]
    per_point: np.ndarray  # the product of the factors, per data point
    total: float  # Σ over data points: the gradient
    path_units: frozenset[tuple[int, int]]  # (layer, unit) the path passes through; layer 0 = inputs
    path_weights: frozenset[tuple[int, int, int]]  # (layer, i, j) of the weights on the path


def unit_name(kind: str, layer: int, unit: int, layer_sizes: tuple[int, ...]) -> str:
    """x1, h11, a12, ŷ (1-based in the name, 0-based in the arguments)."""
    last = len(layer_sizes) - 1
    if layer == 0:
        return f"x{unit + 1}"
    if kind == "a" and layer == last:
        return "ŷ" if layer_sizes[-1] == 1 else f"ŷ{unit + 1}"
    sep = "" if layer < 10 and unit < 9 else ","
    return f"{kind}{layer}{sep}{unit + 1}"


def weight_name(layer: int, i: int, j: int) -> str:
    return f"W{layer}[{i + 1},{j + 1}]"


def bias_name(layer: int, j: int) -> str:
    return f"b{layer}[{j + 1}]"


@dataclass(frozen=True)
class Parameter:
    """One weight or bias, by position: what a chain-rule panel follows."""

    kind: str  # "weight" | "bias"
    layer: int  # 1-based
    i: int  # weight: the unit below; bias: the unit
    j: int = 0  # weight: the unit above

    @property
    def name(self) -> str:
        return weight_name(self.layer, self.i, self.j) if self.kind == "weight" else bias_name(self.layer, self.i)

    def value(self, weights: tuple, biases: tuple) -> float:
        if self.kind == "weight":
            return float(weights[self.layer - 1][self.i, self.j])
        return float(biases[self.layer - 1][self.i])


def chapter_name(layer_sizes: tuple[int, ...], parameter: Parameter) -> str | None:
    """The chapter's own name for a weight of its 2-3-1 network, None elsewhere.

    Its figure numbers the weights w11 … w33: w_ij joins input i to hidden unit j (so w11 is
    W1[1,1] and w21 is W1[2,1]), and w31, w32, w33 join hidden units 1, 2, 3 to the output
    (W2[1,1], W2[2,1], W2[3,1]). Biases have no names there (its figure has none)."""
    if tuple(layer_sizes) != (2, 3, 1) or parameter.kind != "weight":
        return None
    if parameter.layer == 1:
        return f"w{parameter.i + 1}{parameter.j + 1}"
    return f"w3{parameter.i + 1}"


def parameters_of(layer_sizes: tuple[int, ...], limit: int = 10_000) -> list[Parameter]:
    """Every weight and bias, layer by layer (the first ``limit`` for huge networks)."""
    found: list[Parameter] = []
    for l in range(1, len(layer_sizes)):
        for j in range(layer_sizes[l]):
            for i in range(layer_sizes[l - 1]):
                found.append(Parameter("weight", l, i, j))
            found.append(Parameter("bias", l, j))
            if len(found) >= limit:
                return found
    return found


def chain_of_factors(p: Pass, activations: tuple[str, ...], loss: str, kind: str, layer: int, i: int, j: int = 0) -> Chain:
    """The chain for weight ``W_layer[i, j]`` (kind "weight") or bias ``b_layer[i]`` (kind
    "bias", ``i`` is the unit). ``layer`` is 1-based like the names; indices are 0-based;
    ``loss`` names the loss (its registry entry words ∂C/∂ŷ)."""
    loss_formula = LOSSES[loss].gradient_formula
    sizes = (p.inputs.shape[1],) + tuple(values.activation.shape[1] for values in p.layers)
    unit = j if kind == "weight" else i
    factors: list[Factor] = []
    units = {(layer, unit)}
    weights: set[tuple[int, int, int]] = set()
    factors += _upstream(p, activations, loss_formula, sizes, layer, unit, units, weights)
    factors += _through_activation(p, activations, sizes, layer, unit)
    h = unit_name("h", layer, unit, sizes)
    if kind == "weight":
        below = p.inputs if layer == 1 else p.layers[layer - 2].activation
        source = unit_name("a", layer - 1, i, sizes)
        factors.append(Factor(f"∂{h}/∂{weight_name(layer, i, j)}", f"{source}", below[:, i].astype(np.float64)))
        units.add((layer - 1, i))
        weights.add((layer, i, j))
        name = weight_name(layer, i, j)
    else:
        factors.append(Factor(f"∂{h}/∂{bias_name(layer, i)}", "1", np.ones(p.inputs.shape[0])))
        name = bias_name(layer, i)
    per_point = np.prod(np.stack([f.values for f in factors]), axis=0)
    return Chain(name, f"∂C/∂{name}", tuple(factors), per_point, float(per_point.sum()), frozenset(units), frozenset(weights))


def _through_activation(p: Pass, activations: tuple[str, ...], sizes: tuple[int, ...], layer: int, unit: int) -> list[Factor]:
    activation = ACTIVATIONS[activations[layer - 1]]
    if activation.name == "linear" or not activation.elementwise:
        return []  # linear: the factor is 1; softmax: folded into ∂C/∂h (see _upstream)
    a, h = unit_name("a", layer, unit, sizes), unit_name("h", layer, unit, sizes)
    return [Factor(f"∂{a}/∂{h}", activation.slope(a, h), p.layers[layer - 1].activation_derivative[:, unit])]


def _upstream(p: Pass, activations: tuple[str, ...], loss_formula: str, sizes: tuple[int, ...], layer: int, unit: int, units: set, weights: set) -> list[Factor]:
    """Factors from the loss down to a_{layer, unit} (or h, for softmax outputs)."""
    last = len(sizes) - 1
    a = unit_name("a", layer, unit, sizes)
    values = p.layers[layer - 1]
    if not ACTIVATIONS[activations[layer - 1]].elementwise:
        h = unit_name("h", layer, unit, sizes)
        return [Factor(f"∂C/∂{h}", _("softmax and loss together (for cross-entropy: (p − y)/m)"), values.delta[:, unit])]
    if layer == last:
        return [Factor(f"∂C/∂{a}", loss_formula, values.upstream[:, unit])]
    above = layer + 1
    if sizes[above] == 1 and ACTIVATIONS[activations[above - 1]].elementwise:
        units.add((above, 0))
        weights.add((above, unit, 0))
        w = p.weights[above - 1][unit, 0]
        h_above = unit_name("h", above, 0, sizes)
        return (
            _upstream(p, activations, loss_formula, sizes, above, 0, units, weights)
            + _through_activation(p, activations, sizes, above, 0)
            + [Factor(f"∂{h_above}/∂{a}", weight_name(above, unit, 0), np.full(p.inputs.shape[0], float(w)))]
        )
    return [Factor(f"∂C/∂{a}", f"Σ_k ∂C/∂h{above}k · W{above}[{unit + 1},k]", values.upstream[:, unit])]
