"""The ``annlab`` command.

    annlab [SCENARIO] [--backend B] [--headless --size WxH --keys "n n e" --screenshot OUT.svg]
    annlab play SCENARIO [--format text|json] [--epochs N] [--lr X ...] [--gradient G] ...
    annlab check FILE...
    annlab list
    annlab quiz [--seed N] [--count K] [--lang en] [--format app|json] [--output results.json]
    annlab serve [SCENARIO] [--host H] [--port P] [--max-sessions N] [--scenarios DIR]

Every command takes ``--lang en|zh``, before or after the command's name; without it the
language comes from ``ANNLAB_LANG``, then ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` (annlab.language).

Every refusal is one line on stderr and exit code 2; no traceback reaches the user. The play,
check and list paths import neither Textual nor CuPy (start-up is part of the product).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from annlab import __version__
from annlab import language
from annlab.argparse_words import HelpFormatter, speaking_to_argparse
from annlab.errors import BackendError, ExportError, ScenarioError
from annlab.language import N_, _

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
COMMANDS = ("play", "check", "list", "serve", "quiz")


def _argument(parse):
    """An argparse type from an override parser (the same checks and words as the app's)."""

    def convert(text: str):
        from annlab.scenario.overrides import OverrideError

        try:
            return parse(text)
        except OverrideError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__.removeprefix("parse_").replace("_", " ")
    return convert


def _epochs(text: str) -> int:
    from annlab.scenario.overrides import parse_epochs

    return _argument(parse_epochs)(text)


def _learning_rate(text: str) -> float:
    from annlab.scenario.overrides import parse_learning_rate

    return _argument(parse_learning_rate)(text)


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(_("found {value!r}; expected WIDTHxHEIGHT, e.g. 120x40").format(value=text)) from None
    if not (10 <= width <= 1000 and 5 <= height <= 500):
        raise argparse.ArgumentTypeError(_("found {value}; expected 10x5 to 1000x500").format(value=text))
    return width, height


def take_language(argv: list[str]) -> tuple[str | None, list[str]]:
    """``--lang X`` or ``--lang=X`` from anywhere before ``--``, and the other arguments."""
    rest: list[str] = []
    lang = None
    items = iter(argv)
    for item in items:
        if item == "--":
            rest.append(item)
            rest.extend(items)
            break
        if item == "--lang":
            value = next(items, None)
            if value is None:
                # Said before any language is chosen: in English.
                raise language.LanguageError(f"--lang: expected one of {', '.join(language.LANGUAGES)}")
            lang = language.parse_language(value)
        elif item.startswith("--lang="):
            lang = language.parse_language(item.removeprefix("--lang="))
        else:
            rest.append(item)
    return lang, rest


def _add_language_option(parser: argparse.ArgumentParser) -> None:
    """--lang is taken out of the arguments before any parser sees them (take_language), so
    that it works before or after the command; it is declared here for --help."""
    parser.add_argument("--lang", choices=language.LANGUAGES, help=_("the interface language (default: ANNLAB_LANG, then the locale)"))


def _parser(**settings) -> argparse.ArgumentParser:
    """An argparse parser whose help wraps Chinese by terminal cells."""
    return argparse.ArgumentParser(formatter_class=HelpFormatter, **settings)


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    from annlab.engine.backend import BACKENDS

    parser.add_argument("--epochs", type=_epochs, help=_("train for N epochs instead of the file's"))
    parser.add_argument("--lr", type=_learning_rate, action="append", metavar="X", help=_("learning rate (repeat for several runs)"))
    parser.add_argument("--gradient", choices=("chain-rule", "finite-difference"), help=_("how gradients are computed"))
    parser.add_argument("--backend", choices=BACKENDS, default="auto", help=_("numpy, cupy, or auto (default)"))
    parser.add_argument("--dtype", choices=("float32", "float64"), help=_("the parameters' dtype"))
    _add_language_option(parser)


def _parser_for_play() -> argparse.ArgumentParser:
    parser = _parser(prog="annlab play", description=_("Narrate a scenario as text, or dump its trace as JSON."))
    parser.add_argument("scenario", help=_("a scenario file, or the name of a bundled one (see `annlab list`)"))
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--output", "-o", type=Path, help=_("write to this file instead of stdout"))
    parser.add_argument("--force", action="store_true", help=_("overwrite --output if it exists"))
    _add_run_options(parser)
    return parser


def _parser_for_app() -> argparse.ArgumentParser:
    parser = _parser(
        prog="annlab",
        description=_("Step through a neural network's forward and backward passes in the terminal."),
        epilog=_("Other commands: {commands}").format(
            commands="annlab play SCENARIO | annlab check FILE... | annlab list | annlab serve [SCENARIO] | annlab quiz"),
    )
    parser.add_argument("scenario", nargs="?", help=_("a scenario file or bundled name (default: the toy network)"))
    parser.add_argument("--version", action="version", version=f"annlab {__version__}", help=_("show program's version number and exit"))
    _add_headless_options(parser, keys='"n n n e"')
    parser.add_argument("--force", action="store_true", help=_("overwrite --screenshot if it exists"))
    parser.add_argument("--theme", help=_("a Textual theme name, e.g. textual-light"))
    _add_run_options(parser)
    return parser


def _add_headless_options(parser: argparse.ArgumentParser, keys: str) -> None:
    parser.add_argument("--headless", action="store_true", help=_("run without a terminal (with --keys and --screenshot)"))
    parser.add_argument("--size", type=_size, default=(120, 40), help=_("terminal size for --headless, e.g. 120x40"))
    parser.add_argument("--keys", default="", help=_("keys to press in --headless mode, e.g. {keys}").format(keys=keys))
    parser.add_argument("--screenshot", type=Path, help=_("save an SVG screenshot here (--headless)"))


def load(name_or_path: str, args: argparse.Namespace | None = None):
    """Load a scenario and apply command-line overrides (raises ScenarioError)."""
    from annlab.scenario.bundled import resolve
    from annlab.scenario.loader import load_scenario

    scenario = load_scenario(resolve(name_or_path))
    if args is None:
        return scenario
    changes: dict = {}
    if getattr(args, "epochs", None) is not None:
        changes["epochs"] = args.epochs
    if getattr(args, "lr", None):
        changes["learning_rates"] = tuple(args.lr)
        changes["sweep"] = False
    if getattr(args, "gradient", None):
        changes["gradients"] = (args.gradient,)
    if changes or getattr(args, "dtype", None):
        if scenario.kind != "training":
            flags = [f"--{k.replace('_', '-')}" for k in ("epochs", "lr", "gradient", "dtype") if getattr(args, k, None)]
            raise ScenarioError(str(scenario.path), _("{flags} apply to training scenarios; this one is kind {kind!r}").format(flags=", ".join(flags), kind=scenario.kind))
    if changes:
        scenario = scenario.with_training(**changes)
    if getattr(args, "dtype", None):
        from annlab.scenario.loader import check_dtype_change

        check_dtype_change(scenario, args.dtype)
        scenario = scenario.with_dtype(args.dtype)
    return scenario


def _play(argv: Sequence[str]) -> int:
    args = _parser_for_play().parse_args(argv)
    from annlab.training.runner import choose_backend, run_scenario
    from annlab.playback import render

    scenario = load(args.scenario, args)
    backend = choose_backend(scenario, args.backend)
    trace = run_scenario(scenario, backend)
    return _emit(render(scenario, trace, args.format), args.output, args.force)


def _emit(text: str, output: Path | None, force: bool) -> int:
    """Text to stdout, or to a file written atomically (never over one unless forced)."""
    if output is None:
        sys.stdout.write(text)
    else:
        from annlab.files import write_atomically

        write_atomically(output, text.encode("utf-8"), force=force)
        print(_("wrote {path}").format(path=output), file=sys.stderr)
    return EXIT_OK


def _check(argv: Sequence[str]) -> int:
    parser = _parser(prog="annlab check", description=_("Validate scenario files without running them."))
    parser.add_argument("files", nargs="+", help=_("scenario files, or names of bundled ones"))
    _add_language_option(parser)
    args = parser.parse_args(argv)
    failed = 0
    for name in args.files:
        try:
            scenario = load(name)
        except ScenarioError as exc:
            print(exc, file=sys.stderr)
            failed += 1
        else:
            print(_("{file}: ok ({kind}: {title})").format(file=name, kind=scenario.kind, title=scenario.title))
    return EXIT_USAGE if failed else EXIT_OK


def _list(argv: Sequence[str]) -> int:
    parser = _parser(prog="annlab list", description=_("List the bundled scenarios."))
    _add_language_option(parser)
    parser.parse_args(argv)
    from annlab.scenario.bundled import bundled_scenarios

    entries = bundled_scenarios()
    width = max(len(e.name) for e in entries)  # names are ASCII: a character is a cell
    for entry in entries:
        print(f"{entry.name:<{width}}  {entry.title}")
    return EXIT_OK


def _serve(argv: Sequence[str]) -> int:
    from annlab.serve.command import serve  # aiohttp and textual-serve are imported only here

    return serve(argv)


class _OneLineParser(argparse.ArgumentParser):
    """Refuses in one line (no usage block): ``annlab quiz: argument --count: found 0; ...``."""

    def __init__(self, **settings) -> None:
        super().__init__(formatter_class=HelpFormatter, **settings)

    def error(self, message: str):  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: {message}\n")


def _whole_number(low: int, high: int, what: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(_("found {value!r}; expected {what}, a whole number {low} to {high}").format(
                value=text, what=_(what), low=low, high=f"{high:,}")) from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(_("found {value}; expected {what} from {low} to {high}").format(
                value=value, what=_(what), low=low, high=f"{high:,}"))
        return value

    return parse


def _parser_for_quiz() -> argparse.ArgumentParser:
    from annlab.quiz import MAX_COUNT, MAX_SEED

    parser = _OneLineParser(prog="annlab quiz", description=_("The chapter's review questions and generated exercises, checked by the engine."))
    parser.add_argument("--seed", type=_whole_number(0, MAX_SEED, N_("a seed")), help=_("the same seed gives the same quiz (default: a random one, shown)"))
    parser.add_argument("--count", type=_whole_number(1, MAX_COUNT, N_("a number of exercises")), default=5, help=_("generated exercises (default 5)"))
    _add_language_option(parser)
    parser.add_argument("--format", choices=("app", "json"), default="app", help=_("app: answer in the terminal (default); json: print the quiz"))
    parser.add_argument("--output", "-o", type=Path, help=_("app: save the results here at the end; json: write the quiz here"))
    parser.add_argument("--force", action="store_true", help=_("overwrite --output if it exists"))
    _add_headless_options(parser, keys='"0 . 7 3 enter"')
    parser.add_argument("--theme", help=_("a Textual theme name, e.g. textual-light"))
    return parser


def _quiz(argv: Sequence[str]) -> int:
    args = _parser_for_quiz().parse_args(argv)
    import secrets

    from annlab.files import check_writable
    from annlab.quiz import make_quiz

    seed = args.seed if args.seed is not None else secrets.randbelow(100_000)
    if args.output is not None:
        check_writable(args.output, args.force)  # refused now, before the learner answers anything
    quiz = make_quiz(seed, args.count)
    if args.format == "json":
        import json

        from annlab.quiz import quiz_to_json

        return _emit(json.dumps(quiz_to_json(quiz), ensure_ascii=False, indent=2) + "\n", args.output, args.force)
    from annlab.app.quiz import run_quiz  # Textual is imported only here

    return run_quiz(quiz, args)


def _app(argv: Sequence[str]) -> int:
    args = _parser_for_app().parse_args(argv)
    from annlab.scenario.bundled import DEFAULT_SCENARIO
    from annlab.serve.session import start_session

    # Started by `annlab serve` for a learner: only the class's scenarios may open.
    args.catalogue, args.scenario = start_session(args.scenario)
    scenario = load(args.scenario or DEFAULT_SCENARIO, args)
    from annlab.app import run_app  # Textual is imported only here

    return run_app(scenario, args)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        asked, argv = take_language(argv)
        language.use(asked or language.from_environment())
    except language.LanguageError as exc:
        print(f"annlab: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        with speaking_to_argparse(language.current()):
            if argv and argv[0] in COMMANDS:
                command = {"play": _play, "check": _check, "list": _list, "serve": _serve, "quiz": _quiz}[argv[0]]
                return command(argv[1:])
            return _app(argv)
    except ScenarioError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except (BackendError, ExportError) as exc:
        from annlab.playback.words import say

        print(f"annlab: {say(exc.args[0]) if exc.args else exc}", file=sys.stderr)
        return EXIT_USAGE
    except MemoryError as exc:
        # The loader caps sizes, so this is a machine short of memory, not a bad file.
        if str(exc):
            print("annlab: " + _("out of memory ({detail}); try fewer data points, smaller layers or fewer epochs").format(detail=exc), file=sys.stderr)
        else:
            print("annlab: " + _("out of memory; try fewer data points, smaller layers or fewer epochs"), file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `annlab play ... | head`: the reader left; nothing to report.
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
