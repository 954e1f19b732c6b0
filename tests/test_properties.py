"""Property-based tests (hypothesis): random valid scenarios never crash and keep their
invariants; random mutations of the bundled scenarios give a run or one line and exit 2.

Profile: a fixed, modest number of examples per test (``EXAMPLES``), no deadline, and
``derandomize=True`` when ``CI`` is set so that CI runs the same examples every time. The
number of examples that really ran is printed at the end of the module (and written to
``.hypothesis/annlab-examples.json``) so that it can be reported.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import tomllib
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annlab import cli
from annlab.engine.activations import ACTIVATIONS
from annlab.engine.backend import numpy_backend
from annlab.engine.gradients import central_difference_check
from annlab.engine.network import Network, Parameters
from annlab.training.runner import run_scenario
from annlab.analysis import Analysis, pass_from
from annlab.playback.words import diverged
from annlab.scenario import load_scenario
from annlab.scenario import loader

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
# The chapter's scenarios: small, data in the file (mutating a generator's sample count could
# ask for minutes of work, which is a valid run, not a fault).
MUTATED = ["toy-backprop", "feed-forward", "fd-vs-chain-rule", "y3x-lr-1", "y3x-compare",
           "softmax-table", "activations", "losses"]

settings.register_profile(
    "annlab",
    max_examples=40,
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
EXAMPLES = settings.get_profile("annlab")
RAN: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def report_examples(request):
    yield
    total = sum(n for k, n in RAN.items() if not k.endswith("that ran"))
    line = f"hypothesis: {total} examples ran in {Path(__file__).name} ({', '.join(f'{k} {v}' for k, v in sorted(RAN.items()))})"
    # Past pytest's output capture, so the count shows in every run's log (CI's included).
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        print(f"\n{line}")
    folder = ROOT / ".hypothesis"
    folder.mkdir(exist_ok=True)
    (folder / "annlab-examples.json").write_text(json.dumps({"total": total, "per_test": dict(RAN)}, indent=1))


# --- random valid scenarios ------------------------------------------------------------------


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a TOML basic string
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    return "[" + ", ".join(_toml_value(v) for v in value) + "]"


def to_toml(document: dict) -> str:
    """A tiny TOML writer: top-level tables as [sections], everything else inline."""
    lines = []
    for key, value in document.items():
        if not isinstance(value, dict):
            lines.append(f"{json.dumps(key)} = {_toml_value(value)}")
    for key, value in document.items():
        if isinstance(value, dict):
            lines.append(f"[{json.dumps(key)}]")
            lines.extend(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items())
    return "\n".join(lines) + "\n"


def _floats(lo: float, hi: float):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def training_documents(draw, smooth: bool = False):
    """A valid training scenario as a TOML document (a dict). ``smooth``: only sigmoid, tanh
    and linear units, MSE or binary cross-entropy on a sigmoid output, sizes that keep the
    output away from the cross-entropy's clip (where the loss has a kink)."""
    depth = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, 4)) for _ in range(depth + 1)]
    if smooth:
        loss = draw(st.sampled_from(["mse", "binary-cross-entropy"]))
        hidden = ["sigmoid", "tanh"] if loss == "binary-cross-entropy" else ["sigmoid", "tanh", "linear"]
        last = "sigmoid" if loss == "binary-cross-entropy" else draw(st.sampled_from(hidden))
    else:
        loss = draw(st.sampled_from(["mse", "mae", "binary-cross-entropy", "categorical-cross-entropy"]))
        hidden = ["sigmoid", "tanh", "relu", "linear"]
        if loss == "categorical-cross-entropy":
            sizes[-1] = max(2, sizes[-1])  # the loader asks for a softmax over 2 or more classes
        softmax = ["softmax"] if sizes[-1] >= 2 else []
        # The output layers each loss can score (the loader refuses the others).
        outputs = {"binary-cross-entropy": ["sigmoid"] + softmax, "categorical-cross-entropy": softmax}
        last = draw(st.sampled_from(outputs.get(loss, hidden + softmax)))
    activations = [draw(st.sampled_from(hidden)) for _ in range(depth - 1)] + [last]
    rows = draw(st.integers(1, 5))
    scale = 2.0 if smooth else 5.0
    inputs = [[draw(_floats(-scale, scale)) for _ in range(sizes[0])] for _ in range(rows)]
    if loss == "categorical-cross-entropy":  # one-hot rows: distributions over the classes
        targets = [[float(i == k) for i in range(sizes[-1])] for k in (draw(st.integers(0, sizes[-1] - 1)) for _ in range(rows))]
    elif loss == "binary-cross-entropy":
        targets = [[draw(st.sampled_from([0.0, 1.0])) for _ in range(sizes[-1])] for _ in range(rows)]
    else:
        targets = [[draw(_floats(-scale, scale)) for _ in range(sizes[-1])] for _ in range(rows)]
    weights = [[[draw(_floats(-scale / 2 if smooth else -3, scale / 2 if smooth else 3)) for _ in range(b)] for _ in range(a)]
               for a, b in zip(sizes, sizes[1:])]
    biases = [[draw(_floats(-1, 1)) for _ in range(b)] for b in sizes[1:]]
    network = {"layers": sizes, "activations": activations, "weights": weights, "biases": biases,
               "dtype": "float64" if smooth else draw(st.sampled_from(["float32", "float64"]))}
    training = {
        "loss": loss,
        "learning_rates": [draw(st.sampled_from([0.001, 0.01, 0.1, 1.0, 10.0]))],
        "epochs": draw(st.integers(1, 12)),
        "gradient": draw(st.sampled_from(["chain-rule", "finite-difference"])),
        "batch_size": draw(st.integers(0, rows)),
        "shuffle_seed": draw(st.integers(0, 2**32)),
    }
    return {"scenario": {"title": "random"}, "data": {"inputs": inputs, "targets": targets},
            "network": network, "training": training}


def _load(document: dict, folder: Path, name: str = "random.toml"):
    path = folder / name
    path.write_text(to_toml(document), encoding="utf-8")
    return load_scenario(path)


def _same(a, b) -> bool:
    return all(np.array_equal(x, y, equal_nan=True) for x, y in zip(a, b)) and len(a) == len(b)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("properties")


@settings(EXAMPLES, max_examples=400)
@given(document=training_documents())
def test_random_valid_scenarios_train_deterministically_and_keep_their_invariants(folder, document):
    RAN["random scenarios"] += 1
    scenario = _load(document, folder)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a run that overflows reports it; it prints no warning
        trace = run_scenario(scenario, numpy_backend())
        again = run_scenario(scenario, numpy_backend())
    run, rerun = trace.runs[0], again.runs[0]
    epochs = scenario.training.epochs
    # Deterministic: the same file trains to the same numbers, bit for bit.
    assert np.array_equal(run.losses, rerun.losses, equal_nan=True)
    assert _same(run.final_weights, rerun.final_weights) and _same(run.final_biases, rerun.final_biases)
    # Every epoch's loss is kept; a run stops early only when it diverged, and says so.
    if run.divergence is None:
        assert run.epochs_run == epochs
        assert np.all(np.isfinite(run.losses))
        assert all(np.all(np.isfinite(w)) for w in run.final_weights + run.final_biases)
    else:
        assert run.divergence.epoch == run.epochs_run <= epochs
        assert diverged(run.divergence).startswith(f"diverged at epoch {run.epochs_run:,}: ")
    # The parameters keep their dtype (float32 in, float32 out).
    assert {w.dtype for w in run.final_weights} == {np.dtype(scenario.network.dtype)}
    # Softmax outputs are probabilities: each row sums to 1.
    predictions = Analysis(scenario, trace.runs).first_pass().predictions
    if scenario.network.activations[-1] == "softmax":
        np.testing.assert_allclose(predictions.sum(axis=-1), 1.0, rtol=1e-12)
        assert np.all((predictions >= 0) & (predictions <= 1))
    # Stepping back to a recorded epoch and forward again gives the same values every time,
    # and the loss the run recorded for the next epoch.
    for before, after in zip(run.records, run.records[1:]):
        if after.epoch != before.epoch + 1:
            continue
        first = pass_from(scenario, before.weights, before.biases)
        second = pass_from(scenario, before.weights, before.biases)
        assert first.loss == second.loss or (math.isnan(first.loss) and math.isnan(second.loss))
        for a, b in zip(first.layers, second.layers):
            for field in ("pre_activation", "activation", "delta", "weight_gradient", "bias_gradient"):
                assert np.array_equal(getattr(a, field), getattr(b, field), equal_nan=True)
        if math.isfinite(after.loss) and math.isfinite(first.loss):
            assert first.loss == pytest.approx(after.loss, rel=1e-9 if run.dtype == "float64" else 1e-5, abs=1e-12)


@settings(EXAMPLES, max_examples=400)
@given(document=training_documents(smooth=True))
def test_finite_differences_agree_with_the_chain_rule_on_smooth_networks(folder, document):
    """float64, sigmoid/tanh/linear, MSE or BCE: the chain rule's gradient and the central
    difference (C(θ+ε) − C(θ−ε))/2ε agree to ~1e-7 relative (truncation ε² and rounding
    ~1e-16·C/ε bound the difference), for every parameter."""
    RAN["gradient checks"] += 1
    scenario = _load(document, folder)
    network = Network(np, list(scenario.network.activations), scenario.training.loss)
    params = Parameters([w.copy() for w in scenario.network.weights], [b.copy() for b in scenario.network.biases])
    check = central_difference_check(network, params, scenario.inputs, scenario.targets)
    loss = float(network.forward(params, scenario.inputs, scenario.targets).loss)
    for analytic, numeric in zip(check.analytic.weights + check.analytic.biases, check.numeric.weights + check.numeric.biases):
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8 * (1 + abs(loss)))


@settings(EXAMPLES, max_examples=400)
@given(
    logits=st.lists(
        st.lists(st.floats(-1e300, 1e300, allow_nan=False), min_size=2, max_size=6), min_size=1, max_size=5
    ).filter(lambda rows: len({len(r) for r in rows}) == 1)
)
def test_softmax_rows_sum_to_one_for_any_logits(logits):
    RAN["softmax rows"] += 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = ACTIVATIONS["softmax"].forward(np, np.array(logits))
    assert np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)
    # Monotone: a larger logit never gets a smaller probability.
    order = np.argsort(np.array(logits), axis=-1, kind="stable")
    assert np.all(np.diff(np.take_along_axis(p, order, axis=-1), axis=-1) >= 0)


# --- mutations of the bundled scenarios --------------------------------------------------------


def _play(path: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
        warnings.simplefilter("error")
        rc = cli.main(["play", str(path)])
    return rc, out.getvalue(), err.getvalue()


def _assert_run_or_one_line(path: Path, rc: int, err: str, kind: str) -> None:
    RAN[f"{kind} that ran"] += rc == 0  # how many mutants were still valid scenarios
    if rc == 0:
        assert err == "", err
    else:
        assert rc == 2, (rc, err)
        assert err.count("\n") == 1 and err.startswith(str(path)), err


@contextlib.contextmanager
def _laptop_sized_runs():
    # A mutation may turn 100 epochs into 10,000,000, a valid run of many minutes: the cap is
    # lowered to the bundled files' own maximum, so such a mutation is refused (exit 2) instead.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loader, "MAX_EPOCHS", 1000)
        yield


BUNDLED = {name: (SCENARIOS / f"{name}.toml").read_bytes() for name in MUTATED}


@settings(EXAMPLES, max_examples=1200)
@given(
    name=st.sampled_from(MUTATED),
    edits=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.sampled_from(["replace", "insert", "delete"]),
                  st.one_of(st.binary(min_size=1, max_size=3), st.sampled_from([b"[", b"]", b"=", b'"', b"\n", b"0", b"9", b"-", b".", b"e", b"#", b",", b"\xff", b"\x00"]))),
        min_size=1, max_size=4,
    ),
)
def test_byte_mutations_give_a_run_or_one_line(folder, name, edits):
    RAN["byte mutations"] += 1
    data = bytearray(BUNDLED[name])
    for where, how, chunk in edits:
        i = int(where * len(data))
        if how == "replace":
            data[i : i + len(chunk)] = chunk
        elif how == "insert":
            data[i:i] = chunk
        else:
            del data[i : i + len(chunk)]
    path = folder / f"mutated-{name}.toml"
    path.write_bytes(bytes(data))
    with _laptop_sized_runs():
        rc, _, err = _play(path)
    _assert_run_or_one_line(path, rc, err, "byte mutations")


_ANY_VALUE = st.recursive(
    st.one_of(
        st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=12), st.booleans(),
        st.sampled_from([0, 1, -1, 10**6, 1e308, -0.0, "sigmoid", "softmax", "mse", "chain-rule", "float32", "training"]),
    ),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)


@st.composite
def toml_mutations(draw):
    name = draw(st.sampled_from(MUTATED))
    document = tomllib.loads(BUNDLED[name].decode("utf-8"))
    for _ in range(draw(st.integers(1, 3))):
        if not document:
            break
        section = draw(st.sampled_from(sorted(document)))
        table = document[section]
        if not isinstance(table, dict) or not table:
            document[section] = draw(_ANY_VALUE)
            continue
        key = draw(st.sampled_from(sorted(table)))
        how = draw(st.sampled_from(["retype", "delete", "rename", "add", "drop-section", "shrink", "grow", "nudge"]))
        value = table[key]
        if how == "retype":
            table[key] = draw(_ANY_VALUE)
        elif how == "delete":
            del table[key]
        elif how == "rename":
            table[draw(st.text(min_size=1, max_size=10))] = table.pop(key)
        elif how == "add":
            table[draw(st.sampled_from(["seed", "dtype", "init", "batch_size", "sweep", "logits", "kind", "x", "__class__"]))] = draw(_ANY_VALUE)
        elif how == "drop-section":
            del document[section]
        elif how == "shrink" and isinstance(value, list) and value:
            table[key] = value[: draw(st.integers(0, len(value) - 1))]
        elif how == "grow" and isinstance(value, list):
            table[key] = value + value[:1] * draw(st.integers(1, 3))
        elif how == "nudge" and isinstance(value, (int, float)) and not isinstance(value, bool):
            table[key] = value * draw(st.sampled_from([-1, 0, 2, 1e6, math.inf, math.nan]))
    return name, document


@settings(EXAMPLES, max_examples=1200)
@given(mutation=toml_mutations())
def test_toml_mutations_give_a_run_or_one_line(folder, mutation):
    RAN["TOML mutations"] += 1
    name, document = mutation
    path = folder / f"toml-mutated-{name}.toml"
    path.write_text(to_toml(document), encoding="utf-8")
    with _laptop_sized_runs():
        rc, _, err = _play(path)
    _assert_run_or_one_line(path, rc, err, "TOML mutations")


def test_the_toml_writer_round_trips_the_bundled_scenarios():
    """The mutation test writes TOML with ``to_toml``; unmutated, it must give the same file."""
    for name in MUTATED:
        document = tomllib.loads(BUNDLED[name].decode("utf-8"))
        assert tomllib.loads(to_toml(document)) == document
