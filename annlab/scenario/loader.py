"""Read a scenario file, check it, and build a ``Scenario``; or say in one line what is wrong.

Three layers of checking, each turning its failure into a ``ScenarioError`` that names the
file, the line where TOML gives one, the key, what was found and what was expected:

1. the file itself: missing, unreadable, empty, binary, not UTF-8, not TOML;
2. the structure (msgspec): types, required keys, unknown keys (a typo is never ignored);
3. the meaning: names of activations and losses, shapes against the layer sizes, finite
   numbers that fit the network's dtype, probabilities that sum to 1, a loss that suits the
   output layer (and targets it can score), sizes a laptop can run.

Scenario files are data: nothing here evaluates, imports or unpickles anything they name.
"""

from __future__ import annotations

import datetime
import difflib
import math
import re
import tomllib
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from annlab.engine.activations import ACTIVATIONS
from annlab.engine.datasets import GENERATORS, generate, initial_parameters
from annlab.engine.losses import LOSSES
from annlab.engine.optimizers import OPTIMIZERS
from annlab.errors import ScenarioError
from annlab.language import _
from annlab.scenario import schema
from annlab.scenario.kinds import KINDS, resolve
from annlab.scenario.model import GallerySpec, GeneratedData, NetworkSpec, Scenario, TableSpec, TrainingSpec

GRADIENTS = ("chain-rule", "finite-difference")
MAX_EPOCHS = 10_000_000
MAX_UNITS = 100_000
MAX_FILE_BYTES = 5_000_000
MAX_SWEEP = 100_000
# What a laptop can hold: weights (each also copied for the gradients and the trace), and one
# layer's values for every data point at once (h, a and ∂C/∂h are all kept for the first pass).
MAX_PARAMETERS = 20_000_000
MAX_VALUES_PER_LAYER = 50_000_000
PROBABILITY_TOLERANCE = 1e-6



def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    text = _read_text(path)
    try:
        raw = tomllib.loads(text)
        return _Checker(path, text, raw).scenario()
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(path, text, exc) from None
    except RecursionError:
        # tomllib and msgspec recurse once per level: a hostile [[[[…]]]] exhausts the stack.
        raise ScenarioError(str(path), "invalid TOML: lists or tables nested hundreds of levels deep; expected a scenario (at most 3 levels)") from None
    except ValueError as exc:
        # Python refuses to convert integers of more than 4,300 digits (a guard against slow
        # parsing); tomllib lets that ValueError through.
        digits = re.search(r"\d{100,}", text)
        line = text.count("\n", 0, digits.start()) + 1 if digits else None
        column = digits.start() - (text.rfind("\n", 0, digits.start()) + 1) + 1 if digits else None
        if "integer string conversion" not in str(exc):
            raise
        raise ScenarioError(str(path), "invalid TOML: an integer thousands of digits long; expected an ordinary number", line=line, column=column) from None


def check_scenario(scenario: Scenario) -> Scenario:
    """Apply every rule of ``load_scenario`` to a scenario changed after loading (the app's
    settings: activations, batch size, optimisers): it is written as its scenario file and
    read back, so what ``annlab check`` refuses is refused here in the same words. Errors name
    the scenario's file and key, without a line (the changed file exists only in memory)."""
    from annlab.scenario.writer import scenario_to_toml

    text = scenario_to_toml(scenario)
    try:
        return _Checker(Path(scenario.path), text, tomllib.loads(text)).scenario()
    except ScenarioError as exc:
        exc.line = exc.column = None
        raise


def _read_text(path: Path) -> str:
    name = str(path)
    if not path.exists():
        raise ScenarioError(name, "no such file")
    if path.is_dir():
        raise ScenarioError(name, "is a folder; expected a scenario file (.toml)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(name, f"cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(name, f"is {len(data):,} bytes; expected a scenario file under {MAX_FILE_BYTES:,} bytes")
    if not data.strip():
        raise ScenarioError(name, "is empty; expected a TOML scenario with at least a [scenario] title")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and b"\x00" in data:
        # Some Windows editors save "Unicode" as UTF-16, which looks binary (NUL bytes).
        raise ScenarioError(name, "is UTF-16 text; expected UTF-8 (save it as UTF-8 in your editor)")
    if b"\x00" in data:
        raise ScenarioError(name, "is a binary file; expected a TOML text file")
    # A UTF-8 byte order mark (Notepad adds one) is not TOML: tomllib would call line 1 an
    # "invalid statement", so it is dropped before parsing.
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(name, f"is not UTF-8 text (byte {exc.start}); expected a TOML text file") from None


def _toml_error(path: Path, text: str, exc: tomllib.TOMLDecodeError) -> ScenarioError:
    message = str(exc)
    line = column = None
    match = re.search(r"\(at line (\d+), column (\d+)\)", message)
    if match:
        line, column = int(match.group(1)), int(match.group(2))
        message = message[: match.start()].strip()
    elif "end of document" in message:
        # tomllib gives no position when the file ends inside a value ("unclosed array" with
        # no newline after it): the place to look is just after the last character written.
        message = message.replace("(at end of document)", "").strip() + " (the file ends first)"
        line, column = _end_of_text(text)
    # tomllib speaks Python: "Cannot declare ('network',) twice", "Illegal character '\\n'".
    message = re.sub(r"\(((?:'[^']*',? ?)+)\)", lambda m: "[" + ".".join(re.findall(r"'([^']*)'", m.group(1))) + "]", message)
    if message.startswith("Illegal character '\\n'"):
        message = "a string is not closed before the end of the line (a quote is missing)"
    return ScenarioError(str(path), f"invalid TOML: {message[:1].lower() + message[1:]}", line=line, column=column)


def _end_of_text(text: str) -> tuple[int, int]:
    """Line and column (both from 1) just after the last non-blank character of ``text``."""
    lines = text.rstrip().split("\n")
    return len(lines), len(lines[-1]) + 1


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, str):
        return f"{value!r} (a string)"
    if isinstance(value, int):
        return f"{value} (an integer)"
    if isinstance(value, float):
        return f"{value} (a number)"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (datetime.date, datetime.time)):
        return f"{value.isoformat()} (a date/time)"
    return repr(value)


_TYPE_WORDS = {
    "int": "an integer",
    "float": "a number",
    "str": "a string",
    "array": "a list",
    "object": "a table",
    "bool": "true or false",
}


class _Checker:
    def __init__(self, path: Path, text: str, raw: dict[str, Any]):
        self.path = path
        self.name = str(path)
        self.lines = text.splitlines()
        self.raw = raw

    # -- errors ---------------------------------------------------------------------------

    def fail(self, key: str, message: str) -> ScenarioError:
        return ScenarioError(self.name, message, key=key, line=self.line_of(key))

    def line_of(self, key: str) -> int | None:
        """The line where ``section.name`` is set (TOML parsers keep no positions)."""
        parts = re.split(r"[.\[]", key)
        section, leaf = parts[0], parts[1] if len(parts) > 1 else None
        current = None
        header_line = None
        for number, line in enumerate(self.lines, start=1):
            stripped = line.strip()
            header = re.match(r"^\[\s*([A-Za-z0-9_-]+)\s*\]", stripped)
            if header:
                current = header.group(1)
                if current == section and leaf is None:
                    return number
                if current == section:
                    header_line = number
                continue
            if current == section and leaf and re.match(rf"^{re.escape(leaf)}\s*=", stripped):
                return number
        return header_line

    def found_at(self, key: str) -> Any:
        node: Any = self.raw
        for part in re.findall(r"[^.\[\]]+|\[\d+\]", key):
            try:
                node = node[int(part[1:-1])] if part.startswith("[") else node[part]
            except (KeyError, IndexError, TypeError):
                return None
        return node

    def structure_error(self, exc: msgspec.ValidationError) -> ScenarioError:
        text = str(exc)
        match = re.match(r"^(.*?)(?: - at `\$(.*)`)?$", text, re.S)
        message, where = (match.group(1), match.group(2) or "") if match else (text, "")
        key = where.lstrip(".")
        unknown = re.match(r"Object contains unknown field `(.+)`", message)
        if unknown:
            field = unknown.group(1)
            full = f"{key}.{field}" if key else field
            allowed = self.allowed_fields(key)
            close = difflib.get_close_matches(field, allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            where_words = f"[{key}]" if key else "the top level"
            return self.fail(full, f"unknown key{hint}; {where_words} takes: {', '.join(allowed)}")
        missing = re.match(r"Object missing required field `(.+)`", message)
        if missing:
            field = missing.group(1)
            full = f"{key}.{field}" if key else field
            if not key:
                return self.fail(full, f"missing; expected a [{field}] section")
            return self.fail(full, "missing; this key is required")
        expected = re.match(r"Expected `(.+?)`(.*?)(?:, got `(.+)`)?$", message)
        if expected:
            types = [t.strip() for t in expected.group(1).split("|") if t.strip() != "null"]
            words = " or ".join(_TYPE_WORDS.get(t, t) for t in types)
            bound = expected.group(2).strip()
            found = self.found_at(key)
            return self.fail(key, f"expected {words}{' ' + bound if bound else ''}, found {_describe(found)}")
        invalid = re.match(r"Invalid enum value (.+)", message)
        if invalid:
            return self.fail(key, f"found {invalid.group(1)}; expected one of: {self.enum_values(key)}")
        return self.fail(key, message)

    def allowed_fields(self, key: str) -> list[str]:
        struct: Any = schema.ScenarioFile
        for part in [p for p in key.split(".") if p]:
            hints = {f.encode_name: f.type for f in msgspec.structs.fields(struct)}
            struct = _struct_in(hints.get(part))
            if struct is None:
                return []
        return [f.encode_name for f in msgspec.structs.fields(struct)]

    def enum_values(self, key: str) -> str:
        values = {
            "scenario.kind": sorted(KINDS),
            "network.dtype": ["float32", "float64"],
            "network.init": ["xavier", "he", "uniform"],
            "training.sweep.scale": ["log", "linear"],
        }.get(key, [])
        return ", ".join(values)

    # -- building -------------------------------------------------------------------------

    def scenario(self) -> Scenario:
        unsafe = _control_character(self.raw)
        if unsafe:
            key, char = unsafe
            raise self.fail(key, f"found the control character U+{ord(char):04X}; expected printable text (a terminal would obey it)")
        try:
            parsed = msgspec.convert(self.raw, schema.ScenarioFile)
        except msgspec.ValidationError as exc:
            raise self.structure_error(exc) from None
        info = parsed.scenario
        if not info.title.strip():
            raise self.fail("scenario.title", "is empty; expected a title for the learner")
        kind = KINDS.get(info.kind)
        if kind is None:
            raise self.fail("scenario.kind", f"found {info.kind!r}{_close(info.kind, KINDS)}; expected one of: {', '.join(sorted(KINDS))}")
        wanted = kind.sections
        for section in ("data", "network", "training", "table", "gallery"):
            present = getattr(parsed, section) is not None
            if present and section not in wanted:
                raise self.fail(section, f"section [{section}] is not used by kind {info.kind!r}; expected only {_sections(wanted)}")
            if not present and section in wanted:
                raise self.fail(section, f"missing; kind {info.kind!r} needs a [{section}] section")
        base = dict(path=self.path, title=info.title.strip(), kind=info.kind, summary=info.summary.strip())
        return resolve(kind.build)(self, parsed, base)

    def training_scenario(self, parsed: schema.ScenarioFile, base: dict[str, Any]) -> Scenario:
        net, data, training = parsed.network, parsed.data, parsed.training
        sizes = self.layer_sizes(net)
        inputs, targets, origin = self.data(data, sizes)
        values = inputs.shape[0] * max(sizes)
        if values > MAX_VALUES_PER_LAYER:
            raise self.fail("network.layers", f"found {inputs.shape[0]:,} data points × {max(sizes):,} units = {values:,} values in one layer; expected at most {MAX_VALUES_PER_LAYER:,} (fewer points or smaller layers)")
        network = self.network(net, sizes)
        if data.generator is None:
            # A float32 network's data meet float32 where they are cast (the decision map, the
            # first update): values beyond its range would become inf there.
            self.fits_dtype("data.inputs", inputs, network.dtype)
            self.fits_dtype("data.targets", targets, network.dtype)
        if data.generator is not None:
            # Generated data are made in the parameters' dtype, so a float32 network computes
            # in float32 end to end (what a GPU is fast at). Data typed into the file keep
            # NumPy's promotion, as the chapter's integer data do: float64 arithmetic.
            inputs, targets = inputs.astype(network.dtype), targets.astype(network.dtype)
        spec = self.training(training, rows=inputs.shape[0], last_activation=network.activations[-1])
        self.loss_suits_outputs(spec.loss, network.activations[-1], targets, generator=data.generator)
        generated = None
        if data.generator is not None:
            generated = GeneratedData(data.generator, data.samples, data.noise, data.classes, data.seed)
        return Scenario(**base, inputs=inputs, targets=targets, data_origin=origin, generated=generated, network=network, training=spec)

    def layer_sizes(self, net: schema.NetworkSection) -> tuple[int, ...]:
        if len(net.layers) < 2:
            raise self.fail("network.layers", f"found {len(net.layers)} size(s); expected at least 2 (inputs and outputs)")
        for i, units in enumerate(net.layers):
            if not 1 <= units <= MAX_UNITS:
                raise self.fail(f"network.layers[{i}]", f"found {units}; expected a layer size from 1 to {MAX_UNITS:,}")
        count = sum(a * b + b for a, b in zip(net.layers, net.layers[1:]))
        if count > MAX_PARAMETERS:
            raise self.fail("network.layers", f"found {count:,} parameters; expected at most {MAX_PARAMETERS:,} (smaller layers)")
        return tuple(net.layers)

    def seed(self, key: str, value: int) -> int:
        # NumPy's generators take seeds ≥ 0 and would raise deep inside a run otherwise.
        if value < 0:
            raise self.fail(key, f"found {value}; expected a whole number ≥ 0")
        return value

    def finite(self, key: str, values: Any) -> np.ndarray:
        array = np.asarray(values, dtype=np.float64)
        if not np.all(np.isfinite(array)):
            bad = array[~np.isfinite(array)][0]
            raise self.fail(key, f"found {bad}; expected finite numbers (no nan or inf)")
        return array

    def fits_dtype(self, key: str, values: np.ndarray, dtype: str) -> None:
        """Refuse a number that casting to ``dtype`` would turn into inf (NumPy only warns
        "overflow encountered in cast" and plays on with an infinite weight)."""
        found = beyond_range(values, dtype)
        if found is not None:
            index, value = found
            raise self.fail(key + "".join(f"[{i}]" for i in index), does_not_fit(value, dtype, 'or dtype = "float64"'))

    def loss_suits_outputs(self, loss: str, last: str, targets: np.ndarray, generator: str | None) -> None:
        """A cross-entropy takes logarithms of the outputs as probabilities: the output layer
        must produce probabilities of the right kind, and the targets must be probabilities.

        binary-cross-entropy scores every output on its own, −[y·ln p + (1 − y)·ln(1 − p)]:
        each p must lie strictly between 0 and 1, which sigmoid (and softmax) guarantee and
        linear, relu and tanh do not (a linear output is not bounded: the loss is then clipped
        nonsense and the outputs run off). Its targets may be any numbers from 0 to 1.

        categorical-cross-entropy, −Σ y·ln p over the classes of a row, only rewards the
        target class: without outputs that share 1 between the classes (softmax), raising every
        output to 1 costs nothing, so independent sigmoids learn to say "yes" to everything (a
        single sigmoid too: rows with target 0 contribute nothing). Its target rows must be
        distributions: values from 0 to 1 summing to 1 (one-hot, or soft labels)."""
        refusal = output_refusal(loss, last)
        if refusal is not None:
            raise self.fail("training.loss", refusal)
        if not loss.endswith("cross-entropy"):
            return
        key = "data.targets" if generator is None else "data.generator"
        outside = np.argwhere((targets < 0) | (targets > 1))
        if outside.size:
            row, column = (int(i) for i in outside[0])
            value = f"{targets[row, column]:g}"
            if generator is None:
                raise self.fail(f"data.targets[{row}][{column}]", f"found {value}; expected targets from 0 to 1 for {loss} (they are probabilities)")
            raise self.fail(key, f"the {generator!r} generator makes targets such as {value}; expected targets from 0 to 1 for {loss} (they are probabilities)")
        if loss == "categorical-cross-entropy":
            sums = targets.sum(axis=1)
            off = np.flatnonzero(np.abs(sums - 1) > PROBABILITY_TOLERANCE)
            if off.size:
                row = int(off[0])
                where = f"data.targets[{row}]" if generator is None else key
                raise self.fail(where, f"sums to {sums[row]:.6g}; expected each row of targets to sum to 1 for categorical-cross-entropy (one class, or probabilities shared between the classes)")

    def matrix(self, key: str, rows: list[list[float]], columns: int, what: str) -> np.ndarray:
        if not rows:
            raise self.fail(key, f"is empty; expected at least one row of {columns} {what}")
        for i, row in enumerate(rows):
            if len(row) != columns:
                raise self.fail(f"{key}[{i}]", f"found {len(row)} values; expected {columns} {what}")
        return self.finite(key, rows)

    def data(self, data: schema.DataSection, sizes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, str]:
        if data.generator is not None:
            if data.inputs is not None or data.targets is not None:
                raise self.fail("data.generator", "found both a generator and explicit inputs/targets; expected one or the other")
            return self.generated(data, sizes)
        if data.inputs is None:
            raise self.fail("data.inputs", "missing; expected inputs (one row per data point) or a generator")
        if data.targets is None:
            raise self.fail("data.targets", "missing; expected targets (one row per data point)")
        x = self.matrix("data.inputs", data.inputs, sizes[0], f"inputs (network.layers[0] = {sizes[0]})")
        y = self.matrix("data.targets", data.targets, sizes[-1], f"targets (the last layer has {sizes[-1]} units)")
        if x.shape[0] != y.shape[0]:
            raise self.fail("data.targets", f"found {y.shape[0]} rows; expected {x.shape[0]}, one per row of data.inputs")
        return x, y, f"{x.shape[0]} data point{'s' if x.shape[0] != 1 else ''} from the file"

    def generated(self, data: schema.DataSection, sizes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, str]:
        if data.generator not in GENERATORS:
            raise self.fail("data.generator", f"found {data.generator!r}; expected one of: {', '.join(GENERATORS)}")
        if not 1 <= data.samples <= 1_000_000:
            raise self.fail("data.samples", f"found {data.samples}; expected 1 to 1,000,000")
        if not (math.isfinite(data.noise) and data.noise >= 0):
            raise self.fail("data.noise", f"found {data.noise}; expected a finite number ≥ 0")
        if not 2 <= data.classes <= 100:
            raise self.fail("data.classes", f"found {data.classes}; expected 2 to 100")
        classes = data.classes if data.generator == "spiral" else 2
        self.seed("data.seed", data.seed)
        x, y = generate(data.generator, data.samples, data.noise, classes, data.seed)
        if x.shape[1] != sizes[0]:
            raise self.fail("network.layers", f"found {sizes[0]} inputs; the {data.generator!r} data have {x.shape[1]}")
        if y.shape[1] != sizes[-1]:
            raise self.fail("network.layers", f"found {sizes[-1]} outputs; the {data.generator!r} data have {y.shape[1]} target column(s)")
        return x, y, f"{data.samples} points from the {data.generator!r} generator (seed {data.seed}, noise {data.noise})"

    def network(self, net: schema.NetworkSection, sizes: tuple[int, ...]) -> NetworkSpec:
        if len(net.activations) != len(sizes) - 1:
            raise self.fail("network.activations", f"found {len(net.activations)}; expected {len(sizes) - 1}, one per layer after the input")
        for i, name in enumerate(net.activations):
            if name not in ACTIVATIONS:
                raise self.fail(f"network.activations[{i}]", f"unknown activation {name!r}{_close(name, ACTIVATIONS)}; expected one of: {', '.join(ACTIVATIONS)}")
        if "softmax" in net.activations[:-1]:
            raise self.fail("network.activations", "softmax is only supported on the last layer")
        if net.activations[-1] == "softmax" and sizes[-1] == 1:
            raise self.fail(f"network.activations[{len(sizes) - 2}]", "softmax over a single output is always 1 (nothing to learn); expected 'sigmoid' for one output, or 2 or more outputs for softmax")
        if net.weights is None and net.biases is not None:
            raise self.fail("network.biases", "found biases without weights; expected weights too, or a seed")
        if net.weights is not None:
            if net.seed is not None:
                raise self.fail("network.seed", "found both a seed and explicit weights; expected one or the other")
            weights, biases = self.explicit_parameters(net, sizes)
            origin = _("weights from the file")
        else:
            seed = 0 if net.seed is None else self.seed("network.seed", net.seed)
            weights, biases = initial_parameters(sizes, net.init, seed)
            origin = _("{init} initialisation, seed {seed}").format(init=net.init, seed=seed)
        return NetworkSpec(sizes, tuple(net.activations), net.dtype, weights, biases, origin)

    def explicit_parameters(self, net: schema.NetworkSection, sizes: tuple[int, ...]):
        assert net.weights is not None
        if len(net.weights) != len(sizes) - 1:
            raise self.fail("network.weights", f"found {len(net.weights)} matrices; expected {len(sizes) - 1}, one per layer after the input")
        weights = []
        for l, matrix in enumerate(net.weights):
            rows, cols = sizes[l], sizes[l + 1]
            if len(matrix) != rows:
                raise self.fail(f"network.weights[{l}]", f"found {len(matrix)} rows; expected {rows} (inputs) × {cols} (outputs)")
            weights.append(self.matrix(f"network.weights[{l}]", matrix, cols, f"columns (layer {l + 1} has {cols} units)"))
            self.fits_dtype(f"network.weights[{l}]", weights[-1], net.dtype)
        if net.biases is None:
            biases = [np.zeros(n) for n in sizes[1:]]
        else:
            if len(net.biases) != len(sizes) - 1:
                raise self.fail("network.biases", f"found {len(net.biases)} vectors; expected {len(sizes) - 1}, one per layer after the input")
            biases = []
            for l, vector in enumerate(net.biases):
                if len(vector) != sizes[l + 1]:
                    raise self.fail(f"network.biases[{l}]", f"found {len(vector)} values; expected {sizes[l + 1]} (layer {l + 1}'s units)")
                biases.append(self.finite(f"network.biases[{l}]", vector))
                self.fits_dtype(f"network.biases[{l}]", biases[-1], net.dtype)
        return tuple(weights), tuple(biases)

    def training(self, t: schema.TrainingSection, rows: int, last_activation: str) -> TrainingSpec:
        if t.loss not in LOSSES:
            raise self.fail("training.loss", f"unknown loss {t.loss!r}{_close(t.loss, LOSSES)}; expected one of: {', '.join(LOSSES)}")
        gradients = (t.gradient,) if isinstance(t.gradient, str) else tuple(t.gradient)
        if not gradients:
            raise self.fail("training.gradient", f"is empty; expected one of: {', '.join(GRADIENTS)}")
        for g in gradients:
            if g not in GRADIENTS:
                raise self.fail("training.gradient", f"unknown gradient method {g!r}{_close(g, GRADIENTS)}; expected one of: {', '.join(GRADIENTS)}")
        if len(set(gradients)) != len(gradients):
            raise self.fail("training.gradient", f"found {list(gradients)}; expected each method at most once")
        self.seed("training.shuffle_seed", t.shuffle_seed)
        if not 1 <= t.epochs <= MAX_EPOCHS:
            raise self.fail("training.epochs", f"found {t.epochs}; expected 1 to {MAX_EPOCHS:,}")
        if not (math.isfinite(t.finite_difference_step) and t.finite_difference_step > 0):
            raise self.fail("training.finite_difference_step", f"found {t.finite_difference_step}; expected a finite number > 0")
        if not 0 <= t.batch_size <= rows:
            raise self.fail("training.batch_size", f"found {t.batch_size}; expected 0 (full batch) to {rows} (the number of data points)")
        if t.sweep is not None and t.learning_rates is not None:
            raise self.fail("training.sweep", "found both learning_rates and a sweep; expected one or the other")
        if t.sweep is not None:
            rates = self.sweep(t.sweep)
        else:
            rates = tuple(t.learning_rates if t.learning_rates is not None else [0.01])
            if not rates:
                raise self.fail("training.learning_rates", "is empty; expected at least one learning rate")
            for i, lr in enumerate(rates):
                if not (math.isfinite(lr) and lr > 0):
                    raise self.fail(f"training.learning_rates[{i}]", f"found {lr}; expected a finite number > 0")
        optimizers, hyper = self.optimizers(t)
        return TrainingSpec(t.loss, rates, t.epochs, gradients, t.finite_difference_step, t.batch_size, t.shuffle_seed,
                            sweep=t.sweep is not None, optimizers=optimizers, **hyper)

    def optimizers(self, t: schema.TrainingSection) -> tuple[tuple[str, ...], dict[str, float]]:
        """The optimisers (one run each) and the hyper-parameters given for them: each only
        with an optimiser that uses it, each in its range."""
        names = (t.optimizer,) if isinstance(t.optimizer, str) else tuple(t.optimizer)
        if not names:
            raise self.fail("training.optimizer", f"is empty; expected one or more of: {', '.join(OPTIMIZERS)}")
        for name in names:
            if name not in OPTIMIZERS:
                raise self.fail("training.optimizer", f"unknown optimizer {name!r}{_close(name, OPTIMIZERS)}; expected one of: {', '.join(OPTIMIZERS)}")
        if len(set(names)) != len(names):
            raise self.fail("training.optimizer", f"found {list(names)}; expected each optimizer at most once")
        used = {h for name in names for h in OPTIMIZERS[name].hyper_parameters}
        hyper = {}
        for key, (low, high, words) in _HYPER_RANGES.items():
            value = getattr(t, key)
            if value is None:
                continue
            if key not in used:
                takers = [n for n, o in OPTIMIZERS.items() if key in o.hyper_parameters]
                chosen = ", ".join(f"{n!r}" + (f" takes {', '.join(OPTIMIZERS[n].hyper_parameters)}" if OPTIMIZERS[n].hyper_parameters else " takes none") for n in names)
                raise self.fail(f"training.{key}", f"found {value}, but no optimizer here uses it ({chosen}); expected it only with {' or '.join(repr(n) for n in takers)}")
            if not (math.isfinite(value) and low <= value < high):
                raise self.fail(f"training.{key}", f"found {value}; expected {words}")
            hyper[key] = float(value)
        return names, hyper


    def sweep(self, s: schema.SweepSection) -> tuple[float, ...]:
        for key, value in (("from", s.start), ("to", s.to)):
            if not (math.isfinite(value) and value > 0):
                raise self.fail(f"training.sweep.{key}", f"found {value}; expected a finite number > 0")
        if s.to <= s.start:
            raise self.fail("training.sweep.to", f"found {s.to}; expected more than from = {s.start}")
        if not 2 <= s.count <= MAX_SWEEP:
            raise self.fail("training.sweep.count", f"found {s.count}; expected 2 to {MAX_SWEEP:,}")
        space = np.geomspace if s.scale == "log" else np.linspace
        return tuple(float(v) for v in space(s.start, s.to, s.count))

    def table(self, t: schema.TableSection) -> TableSpec:
        if not t.classes:
            raise self.fail("table.classes", "is empty; expected at least two class names")
        for i, name in enumerate(t.classes):
            # Class names head the table's columns and are listed in messages: one short line each.
            if not name.strip() or re.search(r"[\n\r\t]", name):
                raise self.fail(f"table.classes[{i}]", f"found {name!r}; expected a class name on one line")
        if len(set(t.classes)) != len(t.classes):
            twice = next(c for c in t.classes if t.classes.count(c) > 1)
            raise self.fail("table.classes", f"found {twice!r} twice; expected distinct class names")
        if not t.targets:
            raise self.fail("table.targets", "is empty; expected one target class per row")
        for i, target in enumerate(t.targets):
            if target not in t.classes:
                raise self.fail(f"table.targets[{i}]", f"unknown class {target!r}; expected one of: {', '.join(t.classes)}")
        if (t.probabilities is None) == (t.logits is None):
            raise self.fail("table.probabilities", "expected exactly one of probabilities or logits")
        key = "table.probabilities" if t.probabilities is not None else "table.logits"
        rows = t.probabilities if t.probabilities is not None else t.logits
        assert rows is not None
        if len(rows) != len(t.targets):
            raise self.fail(key, f"found {len(rows)} rows; expected {len(t.targets)}, one per target")
        matrix = self.matrix(key, rows, len(t.classes), "values, one per class")
        if t.probabilities is not None:
            for i, row in enumerate(matrix):
                if (row < 0).any() or (row > 1).any():
                    raise self.fail(f"{key}[{i}]", f"found {row[(row < 0) | (row > 1)][0]}; expected probabilities from 0 to 1")
                if abs(row.sum() - 1) > PROBABILITY_TOLERANCE:
                    raise self.fail(f"{key}[{i}]", f"sums to {row.sum():.6g}; expected 1 (within {PROBABILITY_TOLERANCE:g})")
            return TableSpec(tuple(t.classes), tuple(t.targets), matrix, None)
        return TableSpec(tuple(t.classes), tuple(t.targets), None, matrix)

    def gallery(self, kind: str, g: schema.GallerySection) -> GallerySpec:
        known = {"activations": ACTIVATIONS, "losses": LOSSES}[kind]
        names = tuple(g.functions) if g.functions is not None else tuple(n for n in known if n != "softmax")
        if not names:
            raise self.fail("gallery.functions", f"is empty; expected some of: {', '.join(known)}")
        for i, name in enumerate(names):
            if name not in known:
                word = {"activations": "activation", "losses": "loss"}[kind]
                raise self.fail(f"gallery.functions[{i}]", f"unknown {word} {name!r}{_close(name, known)}; expected one of: {', '.join(known)}")
        for key in ("x_from", "x_to", "cursor", "target"):
            value = getattr(g, key)
            if not math.isfinite(value) or abs(value) > 1e6:
                raise self.fail(f"gallery.{key}", f"found {value}; expected a finite number within ±1e6")
        if g.x_to <= g.x_from:
            raise self.fail("gallery.x_to", f"found {g.x_to}; expected more than x_from = {g.x_from}")
        if not 2 <= g.points <= 100_001:
            raise self.fail("gallery.points", f"found {g.points}; expected 2 to 100,001")
        if kind == "losses" and not 0 <= g.target <= 1 and any("cross-entropy" in n for n in names):
            raise self.fail("gallery.target", f"found {g.target}; expected 0 to 1 for a cross-entropy target")
        return GallerySpec(names, g.x_from, g.x_to, g.points, g.cursor, g.target)


# What each activation can output, for messages about a loss that cannot use it.
_OUTPUT_RANGE = {
    "sigmoid": "each output between 0 and 1 on its own",
    "softmax": "outputs between 0 and 1 that sum to 1",
    "tanh": "outputs between −1 and 1",
    "relu": "outputs from 0 to any size",
    "linear": "outputs of any size and sign",
}


def output_refusal(loss: str, last: str) -> str | None:
    """Why ``loss`` cannot score a last layer of ``last`` (see ``loss_suits_outputs``), or None:
    the loader's words, which the app's settings also use to offer only what fits."""
    if loss == "binary-cross-entropy" and last not in ("sigmoid", "softmax"):
        return f"binary-cross-entropy takes ln p and ln(1 − p), so every output must lie between 0 and 1, but the last layer is {last!r} ({_OUTPUT_RANGE[last]}); expected a 'sigmoid' last layer (or 'softmax'), or loss = \"mse\""
    if loss == "categorical-cross-entropy" and last != "softmax":
        return f"categorical-cross-entropy needs outputs that share 1 between the classes, but the last layer is {last!r} ({_OUTPUT_RANGE[last]}); expected a 'softmax' last layer (2 or more outputs), or binary-cross-entropy for a sigmoid output"
    return None


def output_activations(loss: str, outputs: int) -> tuple[str, ...]:
    """The activations the loader accepts on a last layer of ``outputs`` units under ``loss``."""
    return tuple(a for a in ACTIVATIONS if output_refusal(loss, a) is None and not (a == "softmax" and outputs == 1))


def hidden_activations() -> tuple[str, ...]:
    """The activations the loader accepts on a hidden layer (softmax only ends a network)."""
    return tuple(a for a in ACTIVATIONS if a != "softmax")


def beyond_range(values: np.ndarray, dtype: str) -> tuple[tuple[int, ...], float] | None:
    """The index and value of the first finite number that becomes ±inf in ``dtype``, else None.

    Decided by the cast itself: a value a little above the largest float32 that still rounds
    down to it fits; anything that rounds to inf does not."""
    with np.errstate(over="ignore"):
        cast = values.astype(dtype)
    bad = np.argwhere(np.isinf(cast) & np.isfinite(values))
    if not bad.size:
        return None
    index = tuple(int(i) for i in bad[0])
    return index, float(values[index])


def does_not_fit(value: float, dtype: str, remedy: str) -> str:
    largest = _short(float(np.finfo(dtype).max))
    return f"found {_short(value)}, which does not fit {dtype} (largest {largest}); expected numbers within ±{largest}, {remedy}"


def _short(value: float) -> str:
    return f"{value:.2g}".replace("e+", "e")


def check_dtype_change(scenario: Scenario, dtype: str) -> None:
    """Refuse a dtype chosen after loading (``--dtype``, the app's settings) that the file's
    numbers do not fit: the same rule the loader applies to the file's own dtype."""
    if scenario.network is None:
        return
    arrays = {f"network.weights[{l}]": w for l, w in enumerate(scenario.network.weights)}
    arrays.update({f"network.biases[{l}]": b for l, b in enumerate(scenario.network.biases)})
    if scenario.inputs is not None and scenario.targets is not None:
        arrays.update({"data.inputs": scenario.inputs, "data.targets": scenario.targets})
    for key, values in arrays.items():
        found = beyond_range(np.asarray(values, dtype=np.float64), dtype)
        if found is not None:
            index, value = found
            raise ScenarioError(str(scenario.path), does_not_fit(value, dtype, "or keep float64"), key=key + "".join(f"[{i}]" for i in index))


# Terminal controls (ESC starts colour, cursor and title sequences) and bidirectional overrides
# ("Trojan source"): text from a file is printed to the learner's terminal, so it must be inert.
# Tab, newline and carriage return stay allowed.
_UNSAFE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# A key is named in one-line messages: no line breaks or tabs either.
_UNSAFE_KEY = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _control_character(node: Any, key: str = "") -> tuple[str, str] | None:
    """The key path and the first control character found in any key or string, else None."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for name, value in items:
        if isinstance(name, str):
            bad = _UNSAFE_KEY.search(name)
            if bad:
                # The key itself is shown with its controls escaped, never raw.
                return (f"{key}." if key else "") + _UNSAFE_KEY.sub(lambda m: f"\\u{ord(m.group()):04x}", name), bad.group()
            path = f"{key}.{name}" if key else name
        else:
            path = f"{key}[{name}]"
        if isinstance(value, str):
            bad = _UNSAFE_TEXT.search(value)
            if bad:
                return path, bad.group()
        else:
            found = _control_character(value, path)
            if found:
                return found
    return None


# Each hyper-parameter's range: [low, high), in words for the error.
_HYPER_RANGES = {
    "momentum": (0.0, 1.0, "a number from 0 to below 1 (0.9 is usual)"),
    "rho": (0.0, 1.0, "a number from 0 to below 1 (0.99 is usual)"),
    "beta1": (0.0, 1.0, "a number from 0 to below 1 (0.9 is usual)"),
    "beta2": (0.0, 1.0, "a number from 0 to below 1 (0.999 is usual)"),
    "epsilon": (1e-300, 1.0, "a small positive number (1e-8 is usual)"),
}


def build_training(checker: _Checker, parsed: schema.ScenarioFile, base: dict[str, Any]) -> Scenario:
    return checker.training_scenario(parsed, base)


def build_table(checker: _Checker, parsed: schema.ScenarioFile, base: dict[str, Any]) -> Scenario:
    return Scenario(**base, table=checker.table(parsed.table))


def build_gallery(checker: _Checker, parsed: schema.ScenarioFile, base: dict[str, Any]) -> Scenario:
    return Scenario(**base, gallery=checker.gallery(base["kind"], parsed.gallery))


def _struct_in(hint: Any) -> Any:
    for candidate in getattr(hint, "__args__", ()) or (hint,):
        if isinstance(candidate, type) and issubclass(candidate, msgspec.Struct):
            return candidate
    return None


def _close(name: str, options: Any) -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _sections(names: set[str]) -> str:
    order = ["scenario", "data", "network", "training", "table", "gallery"]
    return ", ".join(f"[{n}]" for n in order if n in names)

