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
from annlab.messages import Message
from annlab.language import LANGUAGES, N_, _
from annlab.scenario import schema
from annlab.scenario.kinds import KINDS, resolve
from annlab.scenario.model import GallerySpec, GeneratedData, NetworkSpec, Scenario, ScenarioText, TableSpec, TrainingSpec

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
        raise ScenarioError(str(path), _("invalid TOML: lists or tables nested hundreds of levels deep; expected a scenario (at most 3 levels)")) from None
    except ValueError as exc:
        # Python refuses to convert integers of more than 4,300 digits (a guard against slow
        # parsing); tomllib lets that ValueError through.
        digits = re.search(r"\d{100,}", text)
        line = text.count("\n", 0, digits.start()) + 1 if digits else None
        column = digits.start() - (text.rfind("\n", 0, digits.start()) + 1) + 1 if digits else None
        if "integer string conversion" not in str(exc):
            raise
        raise ScenarioError(str(path), _("invalid TOML: an integer thousands of digits long; expected an ordinary number"), line=line, column=column) from None


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
        raise ScenarioError(name, _("no such file"))
    if path.is_dir():
        raise ScenarioError(name, _("is a folder; expected a scenario file (.toml)"))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(name, _("cannot be read ({reason})").format(reason=exc.strerror or exc)) from None
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(name, _("is {size} bytes; expected a scenario file under {most} bytes").format(size=f"{len(data):,}", most=f"{MAX_FILE_BYTES:,}"))
    if not data.strip():
        raise ScenarioError(name, _("is empty; expected a TOML scenario with at least a [scenario] title"))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and b"\x00" in data:
        # Some Windows editors save "Unicode" as UTF-16, which looks binary (NUL bytes).
        raise ScenarioError(name, _("is UTF-16 text; expected UTF-8 (save it as UTF-8 in your editor)"))
    if b"\x00" in data:
        raise ScenarioError(name, _("is a binary file; expected a TOML text file"))
    # A UTF-8 byte order mark (Notepad adds one) is not TOML: tomllib would call line 1 an
    # "invalid statement", so it is dropped before parsing.
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(name, _("is not UTF-8 text (byte {byte}); expected a TOML text file").format(byte=exc.start)) from None


def _toml_error(path: Path, text: str, exc: tomllib.TOMLDecodeError) -> ScenarioError:
    message = str(exc)
    line = column = None
    ends_first = False
    match = re.search(r"\(at line (\d+), column (\d+)\)", message)
    if match:
        line, column = int(match.group(1)), int(match.group(2))
        message = message[: match.start()].strip()
    elif "end of document" in message:
        # tomllib gives no position when the file ends inside a value ("unclosed array" with
        # no newline after it): the place to look is just after the last character written.
        message = message.replace("(at end of document)", "").strip()
        ends_first = True
        line, column = _end_of_text(text)
    # tomllib speaks Python: "Cannot declare ('network',) twice", "Illegal character '\\n'".
    message = re.sub(r"\(((?:'[^']*',? ?)+)\)", lambda m: "[" + ".".join(re.findall(r"'([^']*)'", m.group(1))) + "]", message)
    if message.startswith("Illegal character '\\n'"):
        message = N_("a string is not closed before the end of the line (a quote is missing)")
    problem = _toml_problem(message[:1].lower() + message[1:])
    if ends_first:
        problem = _("{problem} (the file ends first)").format(problem=problem)
    return ScenarioError(str(path), _("invalid TOML: {problem}").format(problem=problem), line=line, column=column)


# tomllib's sentences (Python 3.11), lower-cased as the message shows them, in the learner's
# language; a sentence a later Python words differently is shown as tomllib wrote it.
_TOML_PROBLEMS = tuple((re.compile(pattern), words) for pattern, words in (
    (r"invalid statement", N_("invalid statement")),
    (r"expected newline or end of document after a statement", N_("expected newline or end of document after a statement")),
    (r"expected '=' after a key in a key/value pair", N_("expected '=' after a key in a key/value pair")),
    (r"expected '\]' at the end of a table declaration", N_("expected ']' at the end of a table declaration")),
    (r"expected '\]\]' at the end of an array declaration", N_("expected ']]' at the end of an array declaration")),
    (r"expected (?P<text>'.*')", N_("expected {text}")),
    (r"found invalid character (?P<char>.+)", N_("found invalid character {char}")),
    (r"cannot declare (?P<table>.+) twice", N_("cannot declare {table} twice")),
    (r"cannot overwrite a value", N_("cannot overwrite a value")),
    (r"cannot mutate immutable namespace (?P<table>.+)", N_("cannot change {table}, which is already complete")),
    (r"cannot redefine namespace (?P<table>.+)", N_("cannot redefine {table}")),
    (r"invalid initial character for a key part", N_("invalid initial character for a key part")),
    (r"unclosed array", N_("unclosed array")),
    (r"unclosed inline table", N_("unclosed inline table")),
    (r"duplicate inline table key (?P<key>.+)", N_("duplicate inline table key {key}")),
    (r"unescaped '\\' in a string", N_("unescaped '\\' in a string")),
    (r"invalid hex value", N_("invalid hex value")),
    (r"escaped character is not a unicode scalar value", N_("escaped character is not a Unicode scalar value")),
    (r"unterminated string", N_("unterminated string")),
    (r"illegal character (?P<char>.+)", N_("illegal character {char}")),
    (r"invalid date or datetime", N_("invalid date or datetime")),
    (r"invalid value", N_("invalid value")),
    (r"a string is not closed before the end of the line \(a quote is missing\)", N_("a string is not closed before the end of the line (a quote is missing)")),
))


def _toml_problem(message: str) -> str:
    for pattern, words in _TOML_PROBLEMS:
        match = pattern.fullmatch(message)
        if match:
            return _(words).format(**match.groupdict())
    return message


def _end_of_text(text: str) -> tuple[int, int]:
    """Line and column (both from 1) just after the last non-blank character of ``text``."""
    lines = text.rstrip().split("\n")
    return len(lines), len(lines[-1]) + 1


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return _("{value} (a boolean)").format(value=str(value).lower())
    if isinstance(value, str):
        return _("{value} (a string)").format(value=repr(value))
    if isinstance(value, int):
        return _("{value} (an integer)").format(value=value)
    if isinstance(value, float):
        return _("{value} (a number)").format(value=value)
    if isinstance(value, list):
        return _("a list of {count}").format(count=len(value))
    if isinstance(value, dict):
        return _("a table")
    if isinstance(value, (datetime.date, datetime.time)):
        return _("{value} (a date/time)").format(value=value.isoformat())
    return repr(value)


_TYPE_WORDS = {
    "int": N_("an integer"),
    "float": N_("a number"),
    "str": N_("a string"),
    "array": N_("a list"),
    "object": N_("a table"),
    "bool": N_("true or false"),
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
        """The line where ``section.name`` is set (TOML parsers keep no positions): under a
        ``[section.sub]`` header when the file has one (``scenario.zh.title``), else under
        ``[section]``."""
        parts = re.split(r"[.\[]", key)
        if len(parts) > 1:
            found = self._line_under(".".join(parts[:2]), parts[2] if len(parts) > 2 else None)
            if found is not None:
                return found
        return self._line_under(parts[0], parts[1] if len(parts) > 1 else None)

    def _line_under(self, section: str, leaf: str | None) -> int | None:
        current = None
        header_line = None
        for number, line in enumerate(self.lines, start=1):
            stripped = line.strip()
            header = re.match(r"^\[\s*([A-Za-z0-9_.-]+)\s*\]", stripped)
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
            takes = ", ".join(allowed)
            if close and key:
                return self.fail(full, _("unknown key (did you mean {close!r}?); [{table}] takes: {keys}").format(close=close[0], table=key, keys=takes))
            if close:
                return self.fail(full, _("unknown key (did you mean {close!r}?); the top level takes: {keys}").format(close=close[0], keys=takes))
            if key:
                return self.fail(full, _("unknown key; [{table}] takes: {keys}").format(table=key, keys=takes))
            return self.fail(full, _("unknown key; the top level takes: {keys}").format(keys=takes))
        missing = re.match(r"Object missing required field `(.+)`", message)
        if missing:
            field = missing.group(1)
            full = f"{key}.{field}" if key else field
            if not key:
                return self.fail(full, _("missing; expected a [{section}] section").format(section=field))
            return self.fail(full, _("missing; this key is required"))
        expected = re.match(r"Expected `(.+?)`(.*?)(?:, got `(.+)`)?$", message)
        if expected:
            types = [t.strip() for t in expected.group(1).split("|") if t.strip() != "null"]
            words = _(" or ").join(_(_TYPE_WORDS[t]) if t in _TYPE_WORDS else t for t in types)
            bound = expected.group(2).strip()
            found = self.found_at(key)
            return self.fail(key, _("expected {type}, found {found}").format(type=words + (" " + bound if bound else ""), found=_describe(found)))
        invalid = re.match(r"Invalid enum value (.+)", message)
        if invalid:
            return self.fail(key, _("found {value}; expected one of: {choices}").format(value=invalid.group(1), choices=self.enum_values(key)))
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
            raise self.fail(key, _("found the control character {code}; expected printable text (a terminal would obey it)").format(code=f"U+{ord(char):04X}"))
        try:
            parsed = msgspec.convert(self.raw, schema.ScenarioFile)
        except msgspec.ValidationError as exc:
            raise self.structure_error(exc) from None
        info = parsed.scenario
        if not info.title.strip():
            raise self.fail("scenario.title", _("is empty; expected a title for the learner"))
        texts = {}
        for lang in LANGUAGES:
            table = getattr(info, lang)
            if table is None:
                continue
            if not table.title.strip():
                raise self.fail(f"scenario.{lang}.title", _("is empty; expected a title for the learner"))
            texts[lang] = ScenarioText(table.title.strip(), None if table.summary is None else table.summary.strip())
        kind = KINDS.get(info.kind)
        if kind is None:
            raise self.fail("scenario.kind", _found_one_of(info.kind, sorted(KINDS)))
        wanted = kind.sections
        for section in ("data", "network", "training", "table", "gallery"):
            present = getattr(parsed, section) is not None
            if present and section not in wanted:
                raise self.fail(section, _("section [{section}] is not used by kind {kind!r}; expected only {sections}").format(section=section, kind=info.kind, sections=_sections(wanted)))
            if not present and section in wanted:
                raise self.fail(section, _("missing; kind {kind!r} needs a [{section}] section").format(kind=info.kind, section=section))
        base = dict(path=self.path, text=ScenarioText(info.title.strip(), info.summary.strip()), kind=info.kind, texts=texts)
        return resolve(kind.build)(self, parsed, base)

    def training_scenario(self, parsed: schema.ScenarioFile, base: dict[str, Any]) -> Scenario:
        net, data, training = parsed.network, parsed.data, parsed.training
        sizes = self.layer_sizes(net)
        inputs, targets = self.data(data, sizes)
        values = inputs.shape[0] * max(sizes)
        if values > MAX_VALUES_PER_LAYER:
            raise self.fail("network.layers", _("found {points} data points × {units} units = {values} values in one layer; expected at most {most} (fewer points or smaller layers)").format(
                points=f"{inputs.shape[0]:,}", units=f"{max(sizes):,}", values=f"{values:,}", most=f"{MAX_VALUES_PER_LAYER:,}"))
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
        return Scenario(**base, inputs=inputs, targets=targets, generated=generated, network=network, training=spec)

    def layer_sizes(self, net: schema.NetworkSection) -> tuple[int, ...]:
        if len(net.layers) < 2:
            raise self.fail("network.layers", _("found {count} size(s); expected at least 2 (inputs and outputs)").format(count=len(net.layers)))
        for i, units in enumerate(net.layers):
            if not 1 <= units <= MAX_UNITS:
                raise self.fail(f"network.layers[{i}]", _("found {units}; expected a layer size from 1 to {most}").format(units=units, most=f"{MAX_UNITS:,}"))
        count = sum(a * b + b for a, b in zip(net.layers, net.layers[1:]))
        if count > MAX_PARAMETERS:
            raise self.fail("network.layers", _("found {count} parameters; expected at most {most} (smaller layers)").format(count=f"{count:,}", most=f"{MAX_PARAMETERS:,}"))
        return tuple(net.layers)

    def seed(self, key: str, value: int) -> int:
        # NumPy's generators take seeds ≥ 0 and would raise deep inside a run otherwise.
        if value < 0:
            raise self.fail(key, _("found {value}; expected a whole number ≥ 0").format(value=value))
        return value

    def finite(self, key: str, values: Any) -> np.ndarray:
        array = np.asarray(values, dtype=np.float64)
        if not np.all(np.isfinite(array)):
            bad = array[~np.isfinite(array)][0]
            raise self.fail(key, _("found {value}; expected finite numbers (no nan or inf)").format(value=bad))
        return array

    def fits_dtype(self, key: str, values: np.ndarray, dtype: str) -> None:
        """Refuse a number that casting to ``dtype`` would turn into inf (NumPy only warns
        "overflow encountered in cast" and plays on with an infinite weight)."""
        found = beyond_range(values, dtype)
        if found is not None:
            index, value = found
            raise self.fail(key + "".join(f"[{i}]" for i in index), does_not_fit(value, dtype, _("or {setting}").format(setting='dtype = "float64"')))

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
                raise self.fail(f"data.targets[{row}][{column}]", _("found {value}; expected targets from 0 to 1 for {loss} (they are probabilities)").format(value=value, loss=loss))
            raise self.fail(key, _("the {generator!r} generator makes targets such as {value}; expected targets from 0 to 1 for {loss} (they are probabilities)").format(generator=generator, value=value, loss=loss))
        if loss == "categorical-cross-entropy":
            sums = targets.sum(axis=1)
            off = np.flatnonzero(np.abs(sums - 1) > PROBABILITY_TOLERANCE)
            if off.size:
                row = int(off[0])
                where = f"data.targets[{row}]" if generator is None else key
                raise self.fail(where, _("sums to {sum}; expected each row of targets to sum to 1 for categorical-cross-entropy (one class, or probabilities shared between the classes)").format(sum=f"{sums[row]:.6g}"))

    def matrix(self, key: str, rows: list[list[float]], columns: int, what: str) -> np.ndarray:
        if not rows:
            raise self.fail(key, _("is empty; expected at least one row of {count} {what}").format(count=columns, what=what))
        for i, row in enumerate(rows):
            if len(row) != columns:
                raise self.fail(f"{key}[{i}]", _("found {found} values; expected {count} {what}").format(found=len(row), count=columns, what=what))
        return self.finite(key, rows)

    def data(self, data: schema.DataSection, sizes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        if data.generator is not None:
            if data.inputs is not None or data.targets is not None:
                raise self.fail("data.generator", _("found both a generator and explicit inputs/targets; expected one or the other"))
            return self.generated(data, sizes)
        if data.inputs is None:
            raise self.fail("data.inputs", _("missing; expected inputs (one row per data point) or a generator"))
        if data.targets is None:
            raise self.fail("data.targets", _("missing; expected targets (one row per data point)"))
        x = self.matrix("data.inputs", data.inputs, sizes[0], _("inputs (network.layers[0] = {size})").format(size=sizes[0]))
        y = self.matrix("data.targets", data.targets, sizes[-1], _("targets (the last layer has {units} units)").format(units=sizes[-1]))
        if x.shape[0] != y.shape[0]:
            raise self.fail("data.targets", _("found {found} rows; expected {count}, one per row of data.inputs").format(found=y.shape[0], count=x.shape[0]))
        return x, y

    def generated(self, data: schema.DataSection, sizes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        if data.generator not in GENERATORS:
            raise self.fail("data.generator", _("found {value!r}; expected one of: {choices}").format(value=data.generator, choices=", ".join(GENERATORS)))
        if not 1 <= data.samples <= 1_000_000:
            raise self.fail("data.samples", _found_from_to(data.samples, 1, 1_000_000))
        if not (math.isfinite(data.noise) and data.noise >= 0):
            raise self.fail("data.noise", _("found {value}; expected a finite number ≥ 0").format(value=data.noise))
        if not 2 <= data.classes <= 100:
            raise self.fail("data.classes", _found_from_to(data.classes, 2, 100))
        classes = data.classes if data.generator == "spiral" else 2
        self.seed("data.seed", data.seed)
        x, y = generate(data.generator, data.samples, data.noise, classes, data.seed)
        if x.shape[1] != sizes[0]:
            raise self.fail("network.layers", _("found {found} inputs; the {generator!r} data have {count}").format(found=sizes[0], generator=data.generator, count=x.shape[1]))
        if y.shape[1] != sizes[-1]:
            raise self.fail("network.layers", _("found {found} outputs; the {generator!r} data have {count} target column(s)").format(found=sizes[-1], generator=data.generator, count=y.shape[1]))
        return x, y

    def network(self, net: schema.NetworkSection, sizes: tuple[int, ...]) -> NetworkSpec:
        if len(net.activations) != len(sizes) - 1:
            raise self.fail("network.activations", _("found {found}; expected {count}, one per layer after the input").format(found=len(net.activations), count=len(sizes) - 1))
        for i, name in enumerate(net.activations):
            if name not in ACTIVATIONS:
                raise self.fail(f"network.activations[{i}]", _unknown("activation", name, ACTIVATIONS))
        if "softmax" in net.activations[:-1]:
            raise self.fail("network.activations", _("softmax is only supported on the last layer"))
        if net.activations[-1] == "softmax" and sizes[-1] == 1:
            raise self.fail(f"network.activations[{len(sizes) - 2}]", _("softmax over a single output is always 1 (nothing to learn); expected 'sigmoid' for one output, or 2 or more outputs for softmax"))
        if net.weights is None and net.biases is not None:
            raise self.fail("network.biases", _("found biases without weights; expected weights too, or a seed"))
        if net.weights is not None:
            if net.seed is not None:
                raise self.fail("network.seed", _("found both a seed and explicit weights; expected one or the other"))
            weights, biases = self.explicit_parameters(net, sizes)
            origin = Message.of("weights-from-file")
        else:
            seed = 0 if net.seed is None else self.seed("network.seed", net.seed)
            weights, biases = initial_parameters(sizes, net.init, seed)
            origin = Message.of("weights-initialised", init=net.init, seed=seed)
        return NetworkSpec(sizes, tuple(net.activations), net.dtype, weights, biases, origin)

    def explicit_parameters(self, net: schema.NetworkSection, sizes: tuple[int, ...]):
        assert net.weights is not None
        if len(net.weights) != len(sizes) - 1:
            raise self.fail("network.weights", _("found {found} matrices; expected {count}, one per layer after the input").format(found=len(net.weights), count=len(sizes) - 1))
        weights = []
        for l, matrix in enumerate(net.weights):
            rows, cols = sizes[l], sizes[l + 1]
            if len(matrix) != rows:
                raise self.fail(f"network.weights[{l}]", _("found {found} rows; expected {rows} (inputs) × {columns} (outputs)").format(found=len(matrix), rows=rows, columns=cols))
            weights.append(self.matrix(f"network.weights[{l}]", matrix, cols, _("columns (layer {layer} has {units} units)").format(layer=l + 1, units=cols)))
            self.fits_dtype(f"network.weights[{l}]", weights[-1], net.dtype)
        if net.biases is None:
            biases = [np.zeros(n) for n in sizes[1:]]
        else:
            if len(net.biases) != len(sizes) - 1:
                raise self.fail("network.biases", _("found {found} vectors; expected {count}, one per layer after the input").format(found=len(net.biases), count=len(sizes) - 1))
            biases = []
            for l, vector in enumerate(net.biases):
                if len(vector) != sizes[l + 1]:
                    raise self.fail(f"network.biases[{l}]", _("found {found} values; expected {count} (layer {layer}'s units)").format(found=len(vector), count=sizes[l + 1], layer=l + 1))
                biases.append(self.finite(f"network.biases[{l}]", vector))
                self.fits_dtype(f"network.biases[{l}]", biases[-1], net.dtype)
        return tuple(weights), tuple(biases)

    def training(self, t: schema.TrainingSection, rows: int, last_activation: str) -> TrainingSpec:
        if t.loss not in LOSSES:
            raise self.fail("training.loss", _unknown("loss", t.loss, LOSSES))
        gradients = (t.gradient,) if isinstance(t.gradient, str) else tuple(t.gradient)
        if not gradients:
            raise self.fail("training.gradient", _("is empty; expected one of: {choices}").format(choices=", ".join(GRADIENTS)))
        for g in gradients:
            if g not in GRADIENTS:
                raise self.fail("training.gradient", _unknown("gradient method", g, GRADIENTS))
        if len(set(gradients)) != len(gradients):
            raise self.fail("training.gradient", _("found {value}; expected each method at most once").format(value=list(gradients)))
        self.seed("training.shuffle_seed", t.shuffle_seed)
        if not 1 <= t.epochs <= MAX_EPOCHS:
            raise self.fail("training.epochs", _found_from_to(t.epochs, 1, MAX_EPOCHS))
        if not (math.isfinite(t.finite_difference_step) and t.finite_difference_step > 0):
            raise self.fail("training.finite_difference_step", _found_positive(t.finite_difference_step))
        if not 0 <= t.batch_size <= rows:
            raise self.fail("training.batch_size", _("found {value}; expected 0 (full batch) to {rows} (the number of data points)").format(value=t.batch_size, rows=rows))
        if t.sweep is not None and t.learning_rates is not None:
            raise self.fail("training.sweep", _("found both learning_rates and a sweep; expected one or the other"))
        if t.sweep is not None:
            rates = self.sweep(t.sweep)
        else:
            rates = tuple(t.learning_rates if t.learning_rates is not None else [0.01])
            if not rates:
                raise self.fail("training.learning_rates", _("is empty; expected at least one learning rate"))
            for i, lr in enumerate(rates):
                if not (math.isfinite(lr) and lr > 0):
                    raise self.fail(f"training.learning_rates[{i}]", _found_positive(lr))
        optimizers, hyper = self.optimizers(t)
        return TrainingSpec(t.loss, rates, t.epochs, gradients, t.finite_difference_step, t.batch_size, t.shuffle_seed,
                            sweep=t.sweep is not None, optimizers=optimizers, **hyper)

    def optimizers(self, t: schema.TrainingSection) -> tuple[tuple[str, ...], dict[str, float]]:
        """The optimisers (one run each) and the hyper-parameters given for them: each only
        with an optimiser that uses it, each in its range."""
        names = (t.optimizer,) if isinstance(t.optimizer, str) else tuple(t.optimizer)
        if not names:
            raise self.fail("training.optimizer", _("is empty; expected one or more of: {choices}").format(choices=", ".join(OPTIMIZERS)))
        for name in names:
            if name not in OPTIMIZERS:
                raise self.fail("training.optimizer", _unknown("optimizer", name, OPTIMIZERS))
        if len(set(names)) != len(names):
            raise self.fail("training.optimizer", _("found {value}; expected each optimizer at most once").format(value=list(names)))
        used = {h for name in names for h in OPTIMIZERS[name].hyper_parameters}
        hyper = {}
        for key, (low, high, words) in _HYPER_RANGES.items():
            value = getattr(t, key)
            if value is None:
                continue
            if key not in used:
                takers = [n for n, o in OPTIMIZERS.items() if key in o.hyper_parameters]
                chosen = ", ".join(
                    _("{optimizer!r} takes {names}").format(optimizer=n, names=", ".join(OPTIMIZERS[n].hyper_parameters))
                    if OPTIMIZERS[n].hyper_parameters else _("{optimizer!r} takes none").format(optimizer=n)
                    for n in names
                )
                raise self.fail(f"training.{key}", _("found {value}, but no optimizer here uses it ({chosen}); expected it only with {takers}").format(
                    value=value, chosen=chosen, takers=_(" or ").join(repr(n) for n in takers)))
            if not (math.isfinite(value) and low <= value < high):
                raise self.fail(f"training.{key}", _("found {value}; expected {range}").format(value=value, range=_(words)))
            hyper[key] = float(value)
        return names, hyper


    def sweep(self, s: schema.SweepSection) -> tuple[float, ...]:
        for key, value in (("from", s.start), ("to", s.to)):
            if not (math.isfinite(value) and value > 0):
                raise self.fail(f"training.sweep.{key}", _found_positive(value))
        if s.to <= s.start:
            raise self.fail("training.sweep.to", _("found {value}; expected more than {key} = {low}").format(value=s.to, key="from", low=s.start))
        if not 2 <= s.count <= MAX_SWEEP:
            raise self.fail("training.sweep.count", _found_from_to(s.count, 2, MAX_SWEEP))
        space = np.geomspace if s.scale == "log" else np.linspace
        return tuple(float(v) for v in space(s.start, s.to, s.count))

    def table(self, t: schema.TableSection) -> TableSpec:
        if not t.classes:
            raise self.fail("table.classes", _("is empty; expected at least two class names"))
        for i, name in enumerate(t.classes):
            # Class names head the table's columns and are listed in messages: one short line each.
            if not name.strip() or re.search(r"[\n\r\t]", name):
                raise self.fail(f"table.classes[{i}]", _("found {value!r}; expected a class name on one line").format(value=name))
        if len(set(t.classes)) != len(t.classes):
            twice = next(c for c in t.classes if t.classes.count(c) > 1)
            raise self.fail("table.classes", _("found {value!r} twice; expected distinct class names").format(value=twice))
        if not t.targets:
            raise self.fail("table.targets", _("is empty; expected one target class per row"))
        for i, target in enumerate(t.targets):
            if target not in t.classes:
                raise self.fail(f"table.targets[{i}]", _("unknown class {name!r}; expected one of: {choices}").format(name=target, choices=", ".join(t.classes)))
        if (t.probabilities is None) == (t.logits is None):
            raise self.fail("table.probabilities", _("expected exactly one of probabilities or logits"))
        key = "table.probabilities" if t.probabilities is not None else "table.logits"
        rows = t.probabilities if t.probabilities is not None else t.logits
        assert rows is not None
        if len(rows) != len(t.targets):
            raise self.fail(key, _("found {found} rows; expected {count}, one per target").format(found=len(rows), count=len(t.targets)))
        matrix = self.matrix(key, rows, len(t.classes), _("values, one per class"))
        if t.probabilities is not None:
            for i, row in enumerate(matrix):
                if (row < 0).any() or (row > 1).any():
                    raise self.fail(f"{key}[{i}]", _("found {value}; expected probabilities from 0 to 1").format(value=row[(row < 0) | (row > 1)][0]))
                if abs(row.sum() - 1) > PROBABILITY_TOLERANCE:
                    raise self.fail(f"{key}[{i}]", _("sums to {sum}; expected 1 (within {tolerance})").format(sum=f"{row.sum():.6g}", tolerance=f"{PROBABILITY_TOLERANCE:g}"))
            return TableSpec(tuple(t.classes), tuple(t.targets), matrix, None)
        return TableSpec(tuple(t.classes), tuple(t.targets), None, matrix)

    def gallery(self, kind: str, g: schema.GallerySection) -> GallerySpec:
        known = {"activations": ACTIVATIONS, "losses": LOSSES}[kind]
        names = tuple(g.functions) if g.functions is not None else tuple(n for n in known if n != "softmax")
        if not names:
            raise self.fail("gallery.functions", _("is empty; expected some of: {choices}").format(choices=", ".join(known)))
        for i, name in enumerate(names):
            if name not in known:
                word = {"activations": "activation", "losses": "loss"}[kind]
                raise self.fail(f"gallery.functions[{i}]", _unknown(word, name, known))
        for key in ("x_from", "x_to", "cursor", "target"):
            value = getattr(g, key)
            if not math.isfinite(value) or abs(value) > 1e6:
                raise self.fail(f"gallery.{key}", _("found {value}; expected a finite number within ±1e6").format(value=value))
        if g.x_to <= g.x_from:
            raise self.fail("gallery.x_to", _("found {value}; expected more than {key} = {low}").format(value=g.x_to, key="x_from", low=g.x_from))
        if not 2 <= g.points <= 100_001:
            raise self.fail("gallery.points", _found_from_to(g.points, 2, 100_001))
        if kind == "losses" and not 0 <= g.target <= 1 and any("cross-entropy" in n for n in names):
            raise self.fail("gallery.target", _("found {value}; expected 0 to 1 for a cross-entropy target").format(value=g.target))
        return GallerySpec(names, g.x_from, g.x_to, g.points, g.cursor, g.target)


# What each activation can output, for messages about a loss that cannot use it.
_OUTPUT_RANGE = {
    "sigmoid": N_("each output between 0 and 1 on its own"),
    "softmax": N_("outputs between 0 and 1 that sum to 1"),
    "tanh": N_("outputs between −1 and 1"),
    "relu": N_("outputs from 0 to any size"),
    "linear": N_("outputs of any size and sign"),
}


def output_refusal(loss: str, last: str) -> str | None:
    """Why ``loss`` cannot score a last layer of ``last`` (see ``loss_suits_outputs``), or None:
    the loader's words, which the app's settings also use to offer only what fits."""
    if loss == "binary-cross-entropy" and last not in ("sigmoid", "softmax"):
        return _("binary-cross-entropy takes ln p and ln(1 − p), so every output must lie between 0 and 1, but the last layer is {last!r} ({range}); expected a 'sigmoid' last layer (or 'softmax'), or {mse}").format(
            last=last, range=_(_OUTPUT_RANGE[last]), mse='loss = "mse"')
    if loss == "categorical-cross-entropy" and last != "softmax":
        return _("categorical-cross-entropy needs outputs that share 1 between the classes, but the last layer is {last!r} ({range}); expected a 'softmax' last layer (2 or more outputs), or binary-cross-entropy for a sigmoid output").format(
            last=last, range=_(_OUTPUT_RANGE[last]))
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
    return _("found {value}, which does not fit {dtype} (largest {largest}); expected numbers within ±{largest}, {remedy}").format(
        value=_short(value), dtype=dtype, largest=largest, remedy=remedy)


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
            raise ScenarioError(str(scenario.path), does_not_fit(value, dtype, _("or keep {dtype}").format(dtype="float64")), key=key + "".join(f"[{i}]" for i in index))


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
    "momentum": (0.0, 1.0, N_("a number from 0 to below 1 (0.9 is usual)")),
    "rho": (0.0, 1.0, N_("a number from 0 to below 1 (0.99 is usual)")),
    "beta1": (0.0, 1.0, N_("a number from 0 to below 1 (0.9 is usual)")),
    "beta2": (0.0, 1.0, N_("a number from 0 to below 1 (0.999 is usual)")),
    "epsilon": (1e-300, 1.0, N_("a small positive number (1e-8 is usual)")),
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
    return _(" (did you mean {name!r}?)").format(name=close[0]) if close else ""


# "unknown activation 'sigmod' (did you mean 'sigmoid'?); expected one of: …", per kind of name.
_UNKNOWN = {
    "activation": N_("unknown activation {name!r}{hint}; expected one of: {choices}"),
    "loss": N_("unknown loss {name!r}{hint}; expected one of: {choices}"),
    "gradient method": N_("unknown gradient method {name!r}{hint}; expected one of: {choices}"),
    "optimizer": N_("unknown optimizer {name!r}{hint}; expected one of: {choices}"),
}


def _unknown(what: str, name: str, options: Any) -> str:
    return _(_UNKNOWN[what]).format(name=name, hint=_close(name, options), choices=", ".join(options))


def _found_one_of(value: str, options: Any) -> str:
    return _("found {value!r}{hint}; expected one of: {choices}").format(value=value, hint=_close(value, options), choices=", ".join(options))


def _found_from_to(value: Any, low: int, high: int) -> str:
    return _("found {value}; expected {low} to {high}").format(value=value, low=f"{low:,}", high=f"{high:,}")


def _found_positive(value: Any) -> str:
    return _("found {value}; expected a finite number > 0").format(value=value)


def _sections(names: set[str]) -> str:
    order = ["scenario", "data", "network", "training", "table", "gallery"]
    return ", ".join(f"[{n}]" for n in order if n in names)

