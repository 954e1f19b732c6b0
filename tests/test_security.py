"""Scenario files are data, never code.

Each hostile file below carries a payload that would create a sentinel file if anything ever
evaluated, unpickled or imported what it says. The payloads are live (the negative controls run
them on purpose, outside annlab, and see the sentinel appear); annlab loads, checks and plays
every hostile file, and the sentinel never appears. A scan of annlab's own source shows why:
no eval, exec, compile, pickle, marshal, yaml, __import__, and one import by name (CuPy's).
"""

from __future__ import annotations

import ast
import contextlib
import io
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from annlab import cli

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "annlab"


class _Payload:
    """Unpickling this opens (creates) the sentinel: what a pickle-loading app would do."""

    def __init__(self, sentinel: Path):
        self.sentinel = str(sentinel)

    def __reduce__(self):
        return (open, (self.sentinel, "w"))


def _python(sentinel: Path) -> str:
    return f"__import__('os').system('touch {sentinel}') or open('{sentinel}', 'w')"


def _hostile_files(folder: Path, sentinel: Path) -> dict[str, bytes]:
    code = _python(sentinel)
    toml_code = code.replace("'", "\\'")  # inside a TOML literal it stays exactly this text
    table = '[scenario]\nkind = "softmax-table"\ntitle = "{t}"\n[table]\nclasses = ["{c}", "b"]\ntargets = ["{c}"]\nprobabilities = [[1, 0]]\n'
    training = (
        '[scenario]\ntitle = "t"\n[data]\ninputs = [[1]]\ntargets = [[1]]\n[network]\nlayers = [1, 1]\n'
        'activations = ["{a}"]\n[training]\nloss = "{l}"\ngradient = "{g}"\nepochs = 2\n'
    )
    esc = code.replace('"', '\\"')
    files = {
        # Valid files whose text is code: shown as text, never run (exit 0).
        "code-as-title.toml": table.format(t=esc, c="a"),
        "code-as-class-name.toml": table.format(t="t", c=esc),
        # Code where annlab looks names up: unknown names (exit 2).
        "code-as-activation.toml": training.format(a=esc, l="mse", g="chain-rule"),
        "code-as-loss.toml": training.format(a="linear", l=esc, g="chain-rule"),
        "code-as-gradient.toml": training.format(a="linear", l="mse", g=esc),
        "code-as-kind.toml": f'[scenario]\ntitle = "t"\nkind = "{esc}"\n',
        "code-as-generator.toml": f'[scenario]\ntitle = "t"\n[data]\ngenerator = "{esc}"\n[network]\nlayers = [2, 2]\nactivations = ["softmax"]\n[training]\n',
        "code-as-dtype.toml": training.format(a="linear", l="mse", g="chain-rule").replace("layers = [1, 1]", f'layers = [1, 1]\ndtype = "{esc}"'),
        "code-as-gallery-function.toml": f'[scenario]\nkind = "activations"\ntitle = "t"\n[gallery]\nfunctions = ["{esc}"]\n',
        "code-as-key.toml": f'[scenario]\ntitle = "t"\n"{esc}" = 1\n',
        "code-as-bare-toml.toml": f"[scenario]\ntitle = {code}\n",
        "yaml-python-tag.toml": f'[scenario]\ntitle = !!python/object/apply:os.system ["touch {sentinel}"]\n',
        "yaml-tag-as-string.toml": f'[scenario]\ntitle = "!!python/object/apply:os.system [\\"touch {sentinel}\\"]"\n',
        # Names like Python's own attributes, at every level.
        "dunder-top-level.toml": '__class__ = "os.system"\n__reduce__ = 1\n[scenario]\ntitle = "t"\n',
        "dunder-section.toml": '[scenario]\ntitle = "t"\n[__builtins__]\neval = "x"\n',
        "dunder-key.toml": '[scenario]\ntitle = "t"\n__dict__ = {__init__ = 1}\n',
        "dunder-names.toml": training.format(a="__init__", l="__class__", g="__globals__"),
        # Numbers built to hurt a parser.
        "huge-float.toml": '[scenario]\nkind = "activations"\ntitle = "t"\n[gallery]\nx_from = 1e400\n',
        "huge-integer.toml": '[scenario]\ntitle = "t"\n[training]\nepochs = ' + "7" * 20_000 + "\n",
        "huge-exponent-epochs.toml": training.format(a="linear", l="mse", g="chain-rule").replace("epochs = 2", f"epochs = {2**200}"),
        "deep-arrays.toml": '[scenario]\ntitle = "t"\n[data]\ninputs = ' + "[" * 50_000 + "]" * 50_000 + "\n",
        "deep-tables.toml": '[scenario]\ntitle = "t"\nx = ' + "{a = " * 5_000 + "1" + "}" * 5_000 + "\n",
        "deep-dotted-key.toml": "[" + ".".join(["a"] * 10_000) + "]\n",
    }
    out = {name: text.encode("utf-8") for name, text in files.items()}
    out["pickle-protocol-0.toml"] = pickle.dumps(_Payload(sentinel), protocol=0)  # ASCII text
    out["pickle-protocol-5.toml"] = pickle.dumps(_Payload(sentinel), protocol=5)
    out["ten-megabytes.toml"] = b'[scenario]\ntitle = "t"\n' + (b"# " + b"x" * 1022 + b"\n") * 10_240
    for name, data in out.items():
        (folder / name).write_bytes(data)
    return out


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    folder = tmp_path / "hostile"
    folder.mkdir()
    sentinel = tmp_path / "PWNED"
    return folder, sentinel, _hostile_files(folder, sentinel)


def test_the_payloads_are_live(tmp_path: Path):
    """Negative controls: executed or unpickled on purpose, the payloads create the sentinel,
    so their absence in the tests below means annlab never executed them."""
    for run in (
        lambda s: pickle.loads(pickle.dumps(_Payload(s), protocol=0)).close(),
        lambda s: pickle.loads(pickle.dumps(_Payload(s), protocol=5)).close(),
        lambda s: eval(_python(s)).close(),  # noqa: S307 - this is the point
    ):
        sentinel = tmp_path / "PWNED-control"
        run(sentinel)
        assert sentinel.exists()
        sentinel.unlink()


def test_hostile_files_are_refused_or_shown_as_text_never_run(hostile):
    folder, sentinel, files = hostile
    names = sorted(files)
    # annlab check: every file in one real process.
    check = subprocess.run(
        [sys.executable, "-m", "annlab", "check", *names], cwd=folder, capture_output=True, text=True, timeout=120
    )
    assert "Traceback" not in check.stderr
    assert not sentinel.exists()
    assert len(check.stdout.splitlines()) + len(check.stderr.splitlines()) == len(names)
    ok = {line.split(":", 1)[0] for line in check.stdout.splitlines()}
    assert ok == {"code-as-title.toml", "code-as-class-name.toml"}
    # annlab play: each file, in this process (any exception fails the test).
    for name in names:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = cli.main(["play", str(folder / name)])
        assert not sentinel.exists(), f"{name} ran its payload"
        if name in ok:
            assert rc == 0 and err.getvalue() == ""
            assert _python(sentinel) in out.getvalue()  # shown to the learner as the text it is
        else:
            assert rc == 2, name
            line = err.getvalue()
            assert line.count("\n") == 1 and line.startswith(str(folder / name)), line


def test_the_ten_megabyte_file_is_refused_before_parsing(hostile):
    folder, _, _ = hostile
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main(["check", str(folder / "ten-megabytes.toml")])
    assert rc == 2
    size = (folder / "ten-megabytes.toml").stat().st_size
    assert size > 10_000_000
    assert err.getvalue() == f"{folder / 'ten-megabytes.toml'}: is {size:,} bytes; expected a scenario file under 5,000,000 bytes\n"


# --- the source ----------------------------------------------------------------------------

FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}
FORBIDDEN_MODULES = {"pickle", "dill", "marshal", "shelve", "yaml", "subprocess", "code", "runpy", "ctypes", "builtins"}


def _calls_and_imports(path: Path):
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            yield "call", name, node
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield "import", alias.name, node
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield "import", node.module, node


def test_annlab_source_never_evaluates_unpickles_or_imports_by_name():
    sources = sorted(PACKAGE.rglob("*.py"))
    assert len(sources) > 20  # the scan reads the real package
    found = []
    import_module_calls = []
    for path in sources:
        where = path.relative_to(ROOT)
        for kind, name, node in _calls_and_imports(path):
            # re.compile is a regular expression, not Python code: only a bare compile() counts.
            if kind == "call" and name in FORBIDDEN_CALLS and (name != "compile" or isinstance(node.func, ast.Name)):
                found.append(f"{where}:{node.lineno}: {name}(...)")
            if kind == "call" and name in ("system", "popen", "spawnl", "execv", "execl"):
                found.append(f"{where}:{node.lineno}: os.{name}(...)")
            if kind == "import" and name.split(".")[0] in FORBIDDEN_MODULES:
                found.append(f"{where}:{node.lineno}: import {name}")
            if kind == "call" and name == "import_module":
                import_module_calls.append((str(where), [ast.dump(a) for a in node.args]))
    assert found == []
    # Two imports by name: CuPy, a constant, in the backend module; and the kinds registry's
    # own entries (constants in annlab/scenario/kinds.py: a scenario file names only a kind,
    # which the loader checks against the registry before anything is looked up).
    assert import_module_calls == [
        ("annlab/engine/backend.py", [ast.dump(ast.Constant("cupy"))]),
        ("annlab/scenario/kinds.py", [ast.dump(ast.Name("module", ast.Load()))]),
    ]
    from annlab.scenario.kinds import KINDS

    refs = [ref for kind in KINDS.values() for ref in (kind.build, kind.run, kind.narrate, kind.screen)]
    assert all(isinstance(ref, str) and ref.startswith("annlab.") for ref in refs)
    # The single process started: `annlab serve`'s app per browser tab, from an argument list
    # (exec, never a shell).
    starts = [(str(p.relative_to(ROOT)), name) for p in sources for kind, name, _ in _calls_and_imports(p)
              if kind == "call" and name and name.startswith("create_subprocess")]
    assert starts == [("annlab/serve/server.py", "create_subprocess_exec")]
    # And the plain text agrees (catches what the AST walk could miss, e.g. getattr(__builtins__, ...)).
    text = "\n".join(p.read_text("utf-8") for p in sources).replace("create_subprocess_exec(", "")
    for word in ("eval(", "exec(", "pickle", "__import__", "__builtins__"):
        assert word not in text.replace("evaluates, imports or unpickles", ""), word
