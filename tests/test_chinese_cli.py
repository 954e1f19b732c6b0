"""annlab's commands in Chinese: check's refusals, the CLI's help (argparse's own words too),
text per language in scenario files, the quiz, serve's pages, and how the language is chosen.

"No English sentence" is checked by ``english_words``: after taking out what is not prose
(quoted values, keys, file names, option names, metavars, choices, symbols), no two English
words may stand side by side.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from wcwidth import wcswidth

from annlab import language
from annlab.cli import main
from annlab.scenario.bundled import bundled_scenarios
from annlab.scenario.loader import load_scenario
from annlab.scenario.writer import scenario_to_toml
from tests.test_bad_files import CASES, IDS, Expectation

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT.parent / "shared" / "seed" / "000_1054ed8b86760e21.txt"
QUESTIONS = Path(__file__).resolve().parent / "chapter_questions_zh.txt"

_NOT_PROSE = re.compile(
    r"""'[^'\n]*'|"[^"\n]*"|`[^`\n]*`        # quoted values, keys and commands
    | \[[^\]\n]*\] | \{[^}\n]*\}              # [sections], [indices], usage brackets, {choices}
    | (?<![\w-])--?[A-Za-z][\w-]*             # options
    | \b[A-Z][A-Z0-9_]+\b                     # metavars (SCENARIO, FILE)
    | \bannlab(?:\s(?:play|check|list|serve|quiz))?\b
    | [\w\\]*[A-Za-z_][\w\\]*(?:[._/][\w\\\[\]-]+)+   # keys and file names (training.epochs, a/b.toml)
    """,
    re.X,
)
_TWO_WORDS = re.compile(r"\b[A-Za-z]{2,} [A-Za-z]{2,}\b")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def english_words(text: str) -> list[str]:
    """Two English words side by side in ``text``, outside what is not prose: [] when none."""
    return _TWO_WORDS.findall(_NOT_PROSE.sub(" ", text))


def test_the_english_detector_finds_english_and_passes_symbols():
    assert english_words("network.layers: found 0; expected a layer size")
    assert english_words("训练 N 个时期 instead of the file's")
    assert not english_words("network.layers[0]: 读到 0；应为 1 到 100,000 之间的层大小 (sigmoid, tanh)")
    assert not english_words("用法：annlab play [-h] [--format {text,json}] SCENARIO --dtype {float32,float64}")
    assert not english_words("未知的激活函数 'sigmod'；或改用 loss = \"mse\"")


@pytest.fixture(autouse=True)
def english_afterwards():
    """main() chooses the process's language: every test here ends in English again."""
    yield
    language.use("en")


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """main() in this process, as the console entry runs it: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(ROOT), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's --help and its refusals
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


# --- check's refusals ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def check_all_in_chinese() -> dict[str, str]:
    """`annlab check --lang zh` on the whole corpus in one process: one line per file."""
    result = subprocess.run([sys.executable, "-m", "annlab", "check", "--lang", "zh", *(c.name for c in CASES)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == len(CASES), "expected exactly one line per bad file"
    return {case.name: line for case, line in zip(CASES, lines)}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_check_refuses_each_bad_file_in_one_chinese_line(case: Expectation, check_all_in_chinese):
    line = check_all_in_chinese[case.name]
    start = re.match(re.escape(case.name) + r"(?::(\d+)(?::(\d+))?)?: ", line)
    assert start, f"{line!r} does not start with the file name"
    if case.line is not None:
        assert start.group(1) == str(case.line), line
    if case.column is not None:
        assert start.group(2) == str(case.column), line
    rest = line[start.end():]
    if case.key is not None:
        assert rest.startswith(f"{case.key}: "), f"{line!r} does not name {case.key!r}"
        rest = rest[len(case.key) + 2:]
    assert _CJK.search(rest), f"not in Chinese: {line!r}"
    assert not english_words(rest), f"English in {line!r}: {english_words(rest)}"


def test_a_missing_file_is_refused_in_chinese(tmp_path):
    missing = tmp_path / "missing.toml"
    code, out, err = _run("check", str(missing), "--lang", "zh")
    assert (code, out, err) == (2, "", f"{missing}: 文件不存在\n")


# --- text per language in scenario files ------------------------------------------------------


TWO_LANGUAGES = '''[scenario]
kind = "activations"
title = "Own title"
summary = "Own summary."
{tables}
[gallery]
functions = ["sigmoid"]
'''


def _write(tmp_path: Path, tables: str, name: str = "text.toml") -> Path:
    path = tmp_path / name
    path.write_text(TWO_LANGUAGES.format(tables=tables), "utf-8")
    return path


def test_a_zh_table_is_shown_in_chinese_and_not_in_english(tmp_path):
    path = _write(tmp_path, '[scenario.zh]\ntitle = "中文标题"\nsummary = "中文摘要。"\n')
    scenario = load_scenario(path)
    with language.speaking("zh"):
        assert (scenario.title, scenario.summary) == ("中文标题", "中文摘要。")
    with language.speaking("en"):
        assert (scenario.title, scenario.summary) == ("Own title", "Own summary.")


def test_an_en_table_is_shown_in_english_over_the_files_own_text(tmp_path):
    path = _write(tmp_path, '[scenario.en]\ntitle = "English title"\n\n[scenario.zh]\ntitle = "中文标题"\n')
    scenario = load_scenario(path)
    with language.speaking("en"):
        # A table without a summary keeps the file's own summary.
        assert (scenario.title, scenario.summary) == ("English title", "Own summary.")
    with language.speaking("zh"):
        assert (scenario.title, scenario.summary) == ("中文标题", "Own summary.")


def test_a_file_in_one_language_shows_its_text_in_both(tmp_path):
    path = tmp_path / "only-chinese.toml"
    path.write_text('[scenario]\nkind = "losses"\ntitle = "只有中文"\nsummary = "一种语言。"\n\n[gallery]\n', "utf-8")
    for lang in language.LANGUAGES:
        with language.speaking(lang):
            scenario = load_scenario(path)
            assert (scenario.title, scenario.summary) == ("只有中文", "一种语言。")


@pytest.mark.parametrize(
    ("table", "key", "line", "words"),
    [
        ('[scenario.zh]\ntitle = "中文"\ntitel = "typo"\n', "scenario.zh.titel", 7, "[scenario.zh] takes: title, summary"),
        ('[scenario.zh]\ntitle = 5\n', "scenario.zh.title", 6, "expected a string, found 5 (an integer)"),
        ('[scenario.zh]\nsummary = "没有标题"\n', "scenario.zh.title", 5, "missing; this key is required"),
        ('[scenario.zh]\ntitle = "  "\n', "scenario.zh.title", 6, "is empty; expected a title for the learner"),
        ('[scenario.fr]\ntitle = "Titre"\n', "scenario.fr", None, "[scenario] takes: title, kind, summary, en, zh"),
    ],
)
def test_a_bad_language_table_is_refused_in_one_line(tmp_path, table, key, line, words):
    path = _write(tmp_path, table)
    code, out, err = _run("check", str(path))
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    where = f"{path}:{line}" if line is not None else f"{path}"
    assert err.startswith(f"{where}: {key}: ") or (line is None and f": {key}: " in err), err
    assert words in err
    code, _, err = _run("check", str(path), "--lang", "zh")
    assert code == 2 and len(err.splitlines()) == 1 and f"{key}: " in err and _CJK.search(err), err


def test_the_writer_keeps_the_language_tables(tmp_path):
    path = _write(tmp_path, '[scenario.en]\ntitle = "English title"\n\n[scenario.zh]\ntitle = "中文标题"\nsummary = """两行：\n第二行有 "引号"。"""\n')
    original = load_scenario(path)
    text = scenario_to_toml(original)
    written = tomllib.loads(text)["scenario"]
    assert written["zh"] == {"title": "中文标题", "summary": '两行：\n第二行有 "引号"。'}
    assert written["en"] == {"title": "English title"}  # no summary: the file's own stays the fallback
    copy = tmp_path / "copy.toml"
    copy.write_text(text, "utf-8")
    loaded = load_scenario(copy)
    assert (loaded.text, loaded.texts) == (original.text, original.texts)
    for lang in language.LANGUAGES:
        with language.speaking(lang):
            assert (loaded.title, loaded.summary) == (original.title, original.summary)


def test_every_bundled_scenario_has_its_chinese_title_and_summary():
    for entry in bundled_scenarios():
        raw = tomllib.loads(entry.path.read_text("utf-8"))["scenario"]
        assert _CJK.search(raw["zh"]["title"]) and _CJK.search(raw["zh"]["summary"]), entry.name
        scenario = load_scenario(entry.path)
        with language.speaking("zh"):
            assert (scenario.title, entry.title) == (raw["zh"]["title"], raw["zh"]["title"])
            assert scenario.summary == raw["zh"]["summary"].strip()
        with language.speaking("en"):
            assert (scenario.title, entry.title) == (raw["title"], raw["title"])


def test_list_shows_the_titles_in_the_interface_language():
    code, out, _ = _run("list", "--lang", "zh")
    assert code == 0
    for entry in bundled_scenarios():
        zh = tomllib.loads(entry.path.read_text("utf-8"))["scenario"]["zh"]["title"]
        assert f"{entry.name}  " in out and zh in out
    code, out, _ = _run("list")
    assert code == 0 and "Toy network, one sample: backpropagation" in out and not _CJK.search(out)


# --- the CLI's help and argparse's own words -----------------------------------------------------


@pytest.mark.parametrize("command", [(), ("play",), ("check",), ("list",), ("quiz",), ("serve",)])
def test_help_in_chinese_has_no_english_sentence(command, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = _run(*command, "--help", "--lang", "zh")
    assert (code, err) == (0, "")
    assert out.startswith("用法：") and "选项:" in out and "显示此帮助信息并退出" in out
    assert not english_words(out), english_words(out)
    # Chinese takes two cells a character: wrapped by cells, the help fits the terminal.
    too_wide = [line for line in out.splitlines() if wcswidth(line) > 80]
    assert not too_wide, too_wide


def test_argparse_refusals_are_in_chinese():
    code, _, err = _run("play", "--lang", "zh")
    assert code == 2 and "annlab play：错误：缺少以下必需的参数：scenario" in err
    code, _, err = _run("play", "toy-backprop", "--format", "yaml", "--lang", "zh")
    assert code == 2 and "参数 --format：无效的选择：'yaml'（可选：'text', 'json'）" in err
    code, _, err = _run("play", "toy-backprop", "--epochs", "0", "--lang", "zh")
    assert code == 2 and "参数 --epochs：读到 0；应在 1 到 10,000,000 之间" in err
    code, _, err = _run("quiz", "--count", "0", "--lang", "zh")
    assert (code, err) == (2, "annlab quiz: 参数 --count：读到 0；应为 1 到 100 之间的练习题数量\n")


def test_argparse_is_left_as_it_was_after_a_command(monkeypatch):
    import gettext

    monkeypatch.setenv("LANGUAGE", "de")
    domain = gettext.textdomain()
    _run("check", "--help", "--lang", "zh")
    assert os.environ["LANGUAGE"] == "de" and gettext.textdomain() == domain


def test_the_argparse_messages_translated_are_argparse_s_own():
    """Each message marked in annlab.argparse_words is one the running argparse asks for: a
    Python that rewords one fails here (its new words would show in English)."""
    import argparse

    from babel.messages.extract import extract_from_file

    from annlab.argparse_words import MESSAGES

    asked = set()
    for _line, message, _comments, _context in extract_from_file("python", argparse.__file__):
        asked.update([message] if isinstance(message, str) else message)
    assert set(MESSAGES) <= asked, set(MESSAGES) - asked


# --- the quiz -------------------------------------------------------------------------------------


def _chapter_questions() -> list[str]:
    """The ten questions of the chapter's "# 问题", from the committed excerpt."""
    questions = [re.sub(r"^\d+\.\s+", "", line) for line in QUESTIONS.read_text("utf-8").splitlines() if re.match(r"^\d+\.\s", line)]
    assert len(questions) == 10
    return questions


def test_the_excerpt_is_the_chapters_own_text():
    if not CHAPTER.exists():
        pytest.skip(f"the chapter is not beside this checkout ({CHAPTER})")
    section = CHAPTER.read_text("utf-8").split("# 问题", 1)[1]
    found = re.findall(r"^\d+\.\s+(.+?)(?=\d+\.\s|$)", section, re.M)
    assert [q.strip() for q in found] == _chapter_questions()


def test_the_quiz_in_chinese_as_json_quotes_the_chapters_questions():
    code, out, err = _run("quiz", "--lang", "zh", "--format", "json", "--seed", "7", "--count", "12")
    assert (code, err) == (0, "")
    quiz = json.loads(out)
    assert quiz["lang"] == "zh"
    assert [q["question"] for q in quiz["review"]] == _chapter_questions()
    for question in quiz["review"]:
        for field in (question["answer_text"], question["show_me"]["what"]):
            assert _CJK.search(field) and not english_words(field), field
    for exercise in quiz["exercises"]:
        assert _CJK.search(exercise["question"]) and not english_words(exercise["question"]), exercise["question"]
        assert _CJK.search(exercise["solution"]), exercise["solution"]
    # The numbers and codes are the language's business no more than the engine's.
    code, out, _ = _run("quiz", "--format", "json", "--seed", "7", "--count", "12")
    english = json.loads(out)
    assert english["lang"] == "en"
    assert [e["answer"] for e in english["exercises"]] == [e["answer"] for e in quiz["exercises"]]
    assert [e["asks"] for e in english["exercises"]] == [e["asks"] for e in quiz["exercises"]]


def test_the_quiz_tables_line_up_by_cells_in_chinese():
    from annlab.quiz import TableScenario, make_quiz, question_text
    from annlab.quiz.review import gpu_table

    with language.speaking("zh"):
        table = next(e for e in make_quiz(3, 40).exercises if isinstance(e.scenario, TableScenario))
        rows = [line for line in question_text(table).splitlines() if re.search(r"\d\.\d\d", line)]
        assert len(rows) == 5 and all("第" in row for row in rows)
        assert len({wcswidth(line.rstrip("* ")) for line in rows}) == 1, rows  # the last column ends in one cell
        gpu = gpu_table().splitlines()
        assert len({wcswidth(line) for line in gpu}) == 1, gpu


# --- serve's pages ----------------------------------------------------------------------------------


def test_the_class_full_page_and_the_lab_page_speak_the_class_language(tmp_path):
    pytest.importorskip("textual_serve")
    from aiohttp.test_utils import TestClient, TestServer

    from annlab.serve.catalogue import Catalogue
    from annlab.serve.server import ClassServer

    path = ROOT / "scenarios" / "toy-backprop.toml"

    async def pages(max_sessions: int) -> str:
        catalogue, _ = Catalogue.build(None, path)
        title = load_scenario(path).title
        server = ClassServer(path, catalogue, title, "127.0.0.1", 0, max_sessions, lambda line: None)
        async with TestClient(TestServer(server.application())) as client:
            response = await client.get("/")
            return await response.text()

    with language.speaking("zh"):
        full = asyncio.run(pages(0))
        lab = asyncio.run(pages(5))
    assert '<html lang="zh">' in full and "课堂已满" in full and "已有 0 名学习者" in full
    assert '<html lang="zh">' in lab and "正在启动实验室：玩具网络，单个样本：反向传播…" in lab and "重新开始" in lab
    assert "{{" not in full + lab
    english = asyncio.run(pages(0))
    assert '<html lang="en">' in english and "<h1>The class is full</h1>" in english


# --- choosing the language --------------------------------------------------------------------------


BAD = "tests/bad_scenarios/size-epochs-zero.toml"
IN_CHINESE = f"{BAD}:14: training.epochs: 读到 0；应在 1 到 10,000,000 之间\n"
IN_ENGLISH = f"{BAD}:14: training.epochs: found 0; expected 1 to 10,000,000\n"


@pytest.mark.parametrize(
    "args",
    [("--lang", "zh", "check", BAD), ("check", BAD, "--lang", "zh"), ("check", "--lang=zh", BAD), ("--lang=zh", "check", BAD)],
    ids=["before", "after", "equals-after", "equals-before"],
)
def test_lang_before_or_after_the_command(args, monkeypatch):
    monkeypatch.setenv("ANNLAB_LANG", "en")  # --lang wins over the environment
    assert _run(*args) == (2, "", IN_CHINESE)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"ANNLAB_LANG": "zh"}, IN_CHINESE),
        ({"ANNLAB_LANG": "zh", "LANG": "en_US.UTF-8"}, IN_CHINESE),
        ({"LANG": "zh_CN.UTF-8"}, IN_CHINESE),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, IN_ENGLISH),
        ({}, IN_ENGLISH),
    ],
)
def test_the_environment_chooses_the_language(environ, expected, monkeypatch):
    for variable in ("ANNLAB_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environ.items():
        monkeypatch.setenv(variable, value)
    assert _run("check", BAD) == (2, "", expected)


def test_the_console_entry_speaks_chinese_under_a_chinese_locale():
    """One real process: LANG=zh_CN.UTF-8 reaches annlab's words and argparse's."""
    environ = {k: v for k, v in os.environ.items() if k not in ("ANNLAB_LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE")}
    environ["LANG"] = "zh_CN.UTF-8"
    run = subprocess.run([sys.executable, "-m", "annlab", "check", BAD], cwd=ROOT, env=environ,
                         capture_output=True, text=True, timeout=60)
    assert (run.returncode, run.stdout, run.stderr) == (2, "", IN_CHINESE)
    run = subprocess.run([sys.executable, "-m", "annlab", "check"], cwd=ROOT, env=environ,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and run.stderr.startswith("用法：annlab check") and "缺少以下必需的参数：files" in run.stderr


def test_an_unknown_language_is_one_line():
    assert _run("check", BAD, "--lang", "fr") == (2, "", "annlab: --lang: found 'fr'; expected one of en, zh\n")
