"""Write a scenario (the experiment on screen, with the learner's changes) back as a scenario
file that loads to the identical experiment: the same data, the same initial weights, the same
settings, number for number.

Numbers are written as Python's ``repr`` writes them (tomli-w does), the shortest decimal that
reads back to the same float64, so nothing is rounded on the way. The initial weights are
written explicitly, whatever made them, so a learner can read and edit them; generated data
are written as their generator's keys, which regenerate the same points in the same dtype.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import tomli_w

from annlab.errors import ExportError
from annlab.language import _
from annlab.scenario.model import Scenario, TrainingSpec

# The hyper-parameters' defaults, as TrainingSpec holds them: only a changed one is written.
_HYPER_DEFAULTS = {f.name: f.default for f in fields(TrainingSpec) if f.name in ("momentum", "rho", "beta1", "beta2", "epsilon")}


def scenario_to_toml(scenario: Scenario) -> str:
    """The scenario file for ``scenario``, as TOML text."""
    document: dict[str, Any] = {"scenario": _text(scenario)}
    if scenario.network is not None:
        document["data"] = _data(scenario)
        document["network"] = _network(scenario)
    if scenario.training is not None:
        document["training"] = _training(scenario.training)
    if scenario.table is not None:
        t = scenario.table
        table: dict[str, Any] = {"classes": list(t.classes), "targets": list(t.targets)}
        if t.probabilities is not None:
            table["probabilities"] = _rows(t.probabilities)
        else:
            assert t.logits is not None
            table["logits"] = _rows(t.logits)
        document["table"] = table
    if scenario.gallery is not None:
        g = scenario.gallery
        document["gallery"] = {"functions": list(g.functions), "x_from": g.x_from, "x_to": g.x_to,
                               "points": g.points, "cursor": g.cursor, "target": g.target}
    source = Path(scenario.path).name
    header = "# " + _("An experiment kept with annlab (the w key), from {source}: open it with `annlab FILE`.").format(source=source) + "\n\n"
    return header + "\n".join(_table(name, table) for name, table in document.items())


# Layout. tomli-w writes every value (strings escaped as TOML wants them, numbers as repr); the
# arrays are laid out here, as the bundled files lay them out: a list of numbers on one line,
# a matrix one row per line (tomli-w would put each number on a line of its own).

def _table(name: str, table: dict[str, Any]) -> str:
    lines, subtables = [f"[{name}]"], []
    for key, value in table.items():
        if isinstance(value, dict):
            subtables.append(_table(f"{name}.{key}", value))
        elif isinstance(value, list):
            lines.append(f"{key} = {_array(value, 0)}")
        else:
            lines.append(tomli_w.dumps({key: value}, multiline_strings=True).rstrip("\n"))
    return "\n".join(lines) + "\n" + "".join("\n" + sub for sub in subtables)


def _array(values: list, depth: int) -> str:
    if not any(isinstance(v, list) for v in values):
        return "[" + ", ".join(_scalar(v) for v in values) + "]"
    inner = "    " * (depth + 1)
    return "[\n" + "".join(f"{inner}{_array(v, depth + 1)},\n" for v in values) + "    " * depth + "]"


def _scalar(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # what tomli-w writes for a number (repr), without a call per number
    return tomli_w.dumps({"v": value}).removeprefix("v = ").rstrip("\n")


def write_scenario(scenario: Scenario, path: Path, force: bool = False) -> None:
    """Write ``scenario`` to ``path`` atomically; an existing file only with ``force``."""
    from annlab.files import write_atomically
    from annlab.scenario.loader import MAX_FILE_BYTES

    data = scenario_to_toml(scenario).encode("utf-8")
    if len(data) > MAX_FILE_BYTES:
        raise ExportError(_("cannot write {path}: the experiment takes {size} bytes; expected under {most} (what annlab loads), so use smaller layers").format(
            path=path, size=f"{len(data):,}", most=f"{MAX_FILE_BYTES:,}"))
    write_atomically(Path(path), data, force=force)


def _text(scenario: Scenario) -> dict[str, Any]:
    """[scenario]: the file's own title and summary, its kind, and a table per language."""
    info: dict[str, Any] = {"title": scenario.text.title, "kind": scenario.kind}
    if scenario.text.summary:
        info["summary"] = scenario.text.summary
    for lang, text in scenario.texts.items():
        info[lang] = {"title": text.title} if text.summary is None else {"title": text.title, "summary": text.summary}
    return info


def _data(scenario: Scenario) -> dict[str, Any]:
    if scenario.data_are_generated():
        g = scenario.generated
        assert g is not None
        return {"generator": g.generator, "samples": g.samples, "noise": g.noise, "classes": g.classes, "seed": g.seed}
    assert scenario.inputs is not None and scenario.targets is not None
    return {"inputs": _rows(scenario.inputs), "targets": _rows(scenario.targets)}


def _network(scenario: Scenario) -> dict[str, Any]:
    net = scenario.network
    assert net is not None
    return {
        "layers": list(net.layer_sizes),
        "activations": list(net.activations),
        "dtype": net.dtype,
        "weights": [_rows(w) for w in net.weights],
        "biases": [_floats(b) for b in net.biases],
    }


def _training(t: TrainingSpec) -> dict[str, Any]:
    training: dict[str, Any] = {"loss": t.loss}
    sweep = _sweep(t.learning_rates) if t.sweep else None
    if sweep is not None:
        training["sweep"] = sweep
    else:
        training["learning_rates"] = _floats(t.learning_rates)
    training["epochs"] = t.epochs
    training["gradient"] = t.gradients[0] if len(t.gradients) == 1 else list(t.gradients)
    training["finite_difference_step"] = float(t.finite_difference_step)
    training["batch_size"] = t.batch_size
    training["shuffle_seed"] = t.shuffle_seed
    training["optimizer"] = t.optimizers[0] if len(t.optimizers) == 1 else list(t.optimizers)
    # The loader refuses a hyper-parameter no chosen optimiser uses: write only used ones.
    used = {name for optimizer in t.optimizers for name in t.hyper_parameters(optimizer)}
    for name, default in _HYPER_DEFAULTS.items():
        value = getattr(t, name)
        if name in used and value != default:
            training[name] = float(value)
    return training


def _sweep(rates: tuple[float, ...]) -> dict[str, Any] | None:
    """A sweep's [training.sweep] keys when they regenerate exactly these rates, else None
    (the rates are then written as a list: the same runs, trained one after another)."""
    if len(rates) < 2:
        return None
    start, to, count = rates[0], rates[-1], len(rates)
    for scale, space in (("log", np.geomspace), ("linear", np.linspace)):
        if tuple(float(v) for v in space(start, to, count)) == tuple(rates):
            return {"from": float(start), "to": float(to), "count": count, "scale": scale}
    return None


def _floats(values: Any) -> list[float]:
    return [float(v) for v in np.asarray(values, dtype=np.float64).ravel()]


def _rows(matrix: np.ndarray) -> list[list[float]]:
    return [_floats(row) for row in np.asarray(matrix, dtype=np.float64)]
