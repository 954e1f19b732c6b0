"""``annlab play`` in Chinese: no English sentence is left, the chapter's terms are used, the
numbers are the English narration's, the JSON trace keeps its codes and values, plurals take
Chinese's one form, and the column layouts line up in terminal cells.

The narrations come from the golden module's ``play`` (``annlab play NAME --lang LANG`` in this
process), cached here because several tests read the same one.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections import Counter
from functools import lru_cache

import pytest
from wcwidth import wcswidth

from annlab import language
from annlab.messages import Message
from annlab.playback.layout import wrap
from annlab.playback.text import SWEEP_BAR, WIDTH, Writer
from annlab.playback.words import WORDS, say
from annlab.scenario.bundled import bundled_scenarios
from annlab.scenario.loader import load_scenario
from tests.golden import play, scenario_names

# --- what counts as English ------------------------------------------------------------------

# A word: two or more ASCII letters (with inner hyphens or apostrophes), not part of a symbol.
# Letters next to a digit, "_", "[", a "(" that follows (a function: linear(h), max(h, 0)) or a
# leading "-" (an option: --backend) belong to a symbol: W1[1,1], float32, loss_plus, Σ_rows.
_WORD = re.compile(r"(?<![\w\[\-'^])[A-Za-z]{2,}(?:[-'][A-Za-z]+)*(?![\w\[(])")

# Words that are symbols or names in any language (docs/translation.md: symbols are not
# translated): activation names, proper names of optimisers, libraries and devices, the
# scenario file's own values printed as they are written there (backend, generator and
# initialisation names, hyper-parameter keys), units and functions of formulas.
ALLOWED = {
    "sigmoid", "tanh", "relu", "ReLU", "softmax", "linear",  # activations (the file's names)
    "Adam", "RMSprop", "SGD", "Hessian",  # proper names
    "NumPy", "CuPy", "numpy", "cupy", "GPU", "CPU", "auto",  # backends and devices
    "he", "xavier", "spiral", "xor",  # initialisations and generators, as the file names them
    "momentum", "rho", "epsilon",  # hyper-parameter keys, as the file names them
    "XOR", "Xavier", "He",  # the problem's and the initialisations' proper names (in summaries)
    "layers", "samples",  # scenario keys, quoted in summaries as a file writes them
    "step",  # the finite difference's step in a summary's formula, step/2 · ∂²C/∂θ²
    "lr", "ln", "ms", "inf", "nan", "NaN",  # symbols and units
}

# The chapter's own code printout (its y = 3x loop prints this line per epoch), kept as the
# chapter prints it: "weight value: 0.0 original loss: 67.5 loss_plus: 67.5 gradient: -45.0 ...".
CHAPTER_PRINTOUT = re.compile(
    r"^weight value: \S+ original loss: \S+ loss_plus: \S+ gradient: \S+ updated_weights: \S+$", re.MULTILINE
)


# The chapter code's variable names in its gradient formula: grad = (loss_plus - loss)/0.0001.
CHAPTER_VARIABLES = "(loss_plus − loss)"


def english_words(text: str, allowed: set[str] = ALLOWED) -> list[str]:
    return [w for w in _WORD.findall(text) if w not in allowed]


def english_sentences(text: str, allowed: set[str] = ALLOWED) -> list[str]:
    """Runs of two or more English words (outside ``allowed``) separated only by spaces or
    punctuation a sentence uses (",", ":", ";"): "the loss became", "final loss"."""
    found = []
    for line in text.splitlines():
        run: list[str] = []
        last_end = 0
        for match in _WORD.finditer(line):
            word = match.group()
            between = line[last_end:match.start()]
            if word in allowed or (run and not re.fullmatch(r"[ ,:;]+", between)):
                if len(run) >= 2:
                    found.append(" ".join(run))
                run = []
            if word not in allowed:
                run.append(word)
            last_end = match.end()
        if len(run) >= 2:
            found.append(" ".join(run))
    return found


def test_the_detector_finds_english_and_passes_symbols():
    """The detector itself: it must be able to fail."""
    assert english_sentences("学习率 0.01，the loss became NaN") == ["the loss became"]
    assert english_sentences("final loss 0.5") == ["final loss"]
    assert english_sentences("Network: 2 → 3 sigmoid") == [] and english_words("Network: 2 → 3 sigmoid") == ["Network"]
    assert english_sentences("gradient check over all 13 parameters") == ["gradient check over all"]
    assert english_sentences("h11 = x1·W1[1,1] + b1[1]; a11 = σ(h11); ŷ = linear(h21) = 1.2332") == []
    assert english_sentences("后端 numpy（auto 模式选择了 NumPy：规模太小，用 GPU 不划算）") == []
    assert english_sentences("其中 ∂C/∂W1[1,1] = (loss_plus − loss)/0.0001, Σ_rows Σ_classes y·ln p") == []
    assert english_sentences("--backend cupy 出错；请改用 --backend numpy") == []
    assert english_words("学习率 0.01，data 1") == ["data"]


# --- the narration, in both languages ---------------------------------------------------------


@lru_cache(maxsize=None)
def narration(name: str, lang: str) -> str:
    return play(name, "text", lang).decode("utf-8")


@lru_cache(maxsize=None)
def scenario(name: str, lang: str = "zh"):
    path = next(entry.path for entry in bundled_scenarios() if entry.name == name)
    with language.speaking(lang):
        return load_scenario(path)


def without_scenario_text(name: str, lang: str = "zh") -> str:
    """The narration without the scenario's own title and summary: free text that the file
    gives per language ([scenario.zh]), whose wording need not carry the same numbers."""
    header = Writer()
    with language.speaking(lang):  # the scenario's text is chosen when it is read
        title, summary = scenario(name, lang).title, scenario(name, lang).summary
    header.title(title)
    if summary:
        header.para(summary)
    head = "\n".join(header.lines)
    text = narration(name, lang)
    assert text.startswith(head), "the narration starts with the scenario's title and summary"
    return text[len(head):]


def data_words(name: str) -> set[str]:
    """Names the scenario file gives its data (the softmax table's classes: dog, cat, ...)."""
    table = scenario(name).table
    return set(table.classes) if table is not None else set()


@pytest.mark.parametrize("name", scenario_names())
def test_chinese_narration_has_no_english_sentence(name):
    # The whole narration: the bundled files' [scenario.zh] title and summary included.
    text = narration(name, "zh")
    printouts = CHAPTER_PRINTOUT.findall(text)
    if name in {"y3x-lr-0.01", "y3x-lr-0.1", "y3x-lr-1"}:
        assert len(printouts) == 10, "the chapter's ten printed epochs stay as the chapter prints them"
    text = CHAPTER_PRINTOUT.sub("", text).replace(CHAPTER_VARIABLES, "")
    allowed = ALLOWED | data_words(name)
    assert english_sentences(text, allowed) == []
    assert english_words(text, allowed) == []
    assert re.search(r"[\u4e00-\u9fff]", text)


CHAPTER_TERMS = {
    "feed-forward": ["前馈传播", "反向传播", "链式法则", "学习率", "权重", "梯度", "损失", "预测值", "时期", "更新", "均方误差"],
    "toy-backprop": ["前馈传播", "链式法则", "有限差分", "中心差分", "前向差分", "学习率", "时期"],
    "y3x-lr-1": ["停滞", "发散", "有限差分", "链式法则", "权重", "学习率"],
    "y3x-sweep": ["学习率扫描", "发散", "溢出", "梯度下降"],
    "spiral": ["小批量", "批次", "分类交叉熵"],
    "spiral-optimizers": ["优化器", "动量", "Adam"],
    "softmax-table": ["分类交叉熵", "目标值", "概率"],
    "activations": ["激活函数", "导数"],
    "losses": ["均方误差", "平均绝对误差", "二元交叉熵", "分类交叉熵", "目标值"],
}


@pytest.mark.parametrize("name", sorted(CHAPTER_TERMS))
def test_chinese_narration_uses_the_chapters_terms(name):
    text = narration(name, "zh")
    missing = [term for term in CHAPTER_TERMS[name] if term not in text]
    assert not missing


_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:,\d{3})*(?:\.\d+)?(?:e-?\d+)?")


@pytest.mark.parametrize("name", scenario_names())
def test_chinese_narration_has_the_english_numbers(name):
    """Every number of the English narration is in the Chinese one, as often (only words are
    translated; "." stays the decimal point, "1,000" stays grouped)."""
    english = Counter(_NUMBER.findall(without_scenario_text(name, "en")))
    chinese = Counter(_NUMBER.findall(without_scenario_text(name, "zh")))
    assert english and not english - chinese


# --- the JSON trace ---------------------------------------------------------------------------


def _split(document):
    """(the document without its text fields, the text fields by where they are)."""
    texts = {}

    def walk(value, path):
        if isinstance(value, dict):
            kept = {}
            for key, item in value.items():
                if key == "text" and isinstance(item, str):
                    texts[f"{path}.text"] = item
                elif key == "scenario" and path == "$":
                    texts["$.scenario"] = item  # the title, in the interface language
                else:
                    kept[key] = walk(item, f"{path}.{key}")
            return kept
        if isinstance(value, list):
            return [walk(item, f"{path}[{i}]") for i, item in enumerate(value)]
        return value

    return walk(document, "$"), texts


@pytest.mark.parametrize("name", ["feed-forward", "y3x-lr-1", "softmax-table"])
def test_the_json_trace_in_chinese_keeps_codes_and_values_and_words_its_texts(name):
    english, english_texts = _split(json.loads(play(name, "json", "en")))
    chinese, chinese_texts = _split(json.loads(play(name, "json", "zh")))
    assert chinese == english  # every code, value and number
    assert chinese_texts.keys() == english_texts.keys() and chinese_texts
    for where, text in chinese_texts.items():
        assert re.search(r"[\u4e00-\u9fff]", text), where
        assert english_sentences(text) == [], where
        assert text != english_texts[where]
    if name == "y3x-lr-1":
        divergence = chinese["runs"][1]["divergence"]
        assert divergence["code"] == "parameter-overflow" and divergence["parameter"] == "W1[1,1]"
        assert chinese_texts["$.runs[1].divergence.text"].startswith("这次更新把权重 W1[1,1] 推出了 float32 的表示范围")
        assert [s["code"] for s in chinese["stuck"]] == ["stuck", "stuck"]


# --- plurals ----------------------------------------------------------------------------------


def test_english_keeps_its_two_forms_and_chinese_has_one():
    feed, toy = narration("feed-forward", "en"), narration("toy-backprop", "en")
    assert "  ·  1 epoch  ·  " in feed and "chain-rule: 1 epoch\n" in feed and "1 data point from the file" in feed
    assert "  ·  100 epochs  ·  " in toy and "finite-difference: 100 epochs\n" in toy
    assert "4 data points from the file" in narration("y3x-lr-0.1", "en") and "(m = 4 values)" in narration("y3x-lr-0.1", "en")
    assert "(m = 1 value)" in feed
    assert "  ·  1 个时期  ·  " in narration("feed-forward", "zh") and "  ·  100 个时期  ·  " in narration("toy-backprop", "zh")
    with language.speaking("zh"):
        forms = {language.ngettext("{n} epoch", "{n} epochs", n) for n in (0, 1, 2, 5, 1000)}
    assert forms == {"{n} 个时期"}
    with language.speaking("en"):
        assert language.ngettext("{n} epoch", "{n} epochs", 1) == "{n} epoch"
        assert language.ngettext("{n} epoch", "{n} epochs", 2) == "{n} epochs"


# --- columns in terminal cells ----------------------------------------------------------------


def cells(text: str) -> int:
    return wcswidth(text)


def _block(text: str, first: str) -> list[str]:
    """The lines from the one starting with ``first`` to the next blank line."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith(first))
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start:end]


def _column_starts_at(line: str, cell: int) -> bool:
    """Text starts at terminal cell ``cell`` of ``line``, after a gap of two spaces."""
    for index in range(len(line)):
        if cells(line[:index]) == cell:
            return line[index - 2:index] == "  " and line[index] != " "
    return False


def test_chinese_tables_line_up_in_terminal_cells():
    # The selected epochs: right-aligned columns, so every row is as wide as the header.
    for name in ("toy-backprop", "y3x-lr-1"):
        table = _block(without_scenario_text(name), "时期")
        assert len(table) >= 10
        assert {cells(line) for line in table} == {cells(table[0])}, table
        assert any(cells(line) != len(line) for line in table)  # wide characters are there to measure
    # The softmax table: label columns left-aligned, numbers right-aligned, the mean under them.
    # (A row's bracketed target, "[0.8800]", is one cell wider than its column, in English too:
    # every row is one cell wider than the header and the mean's line.)
    table = _block(without_scenario_text("softmax-table"), "行")
    header, rows, mean = table[0], table[1:-1], table[-1]
    assert len(rows) == 5 and {cells(line) for line in rows} == {cells(header) + 1} and cells(mean) == cells(header), table
    # The sweep: the note column starts at the same cell in the header and every row.
    sweep = _block(without_scenario_text("y3x-sweep"), "学习率")
    note = 14 + 2 + SWEEP_BAR + 2  # the rate's column, a gap, the bar's column, a gap
    sweep = sweep[:-1]  # the count of rates under the chart
    assert len(sweep) > 20 and all(_column_starts_at(line, note) for line in sweep), sweep
    # The galleries: the row labels (函数值, 导数 or 斜率) take as many cells as "x"/"p" and its padding.
    for name in ("activations", "losses"):
        rows = [line for line in without_scenario_text(name).splitlines() if line.lstrip().startswith(("x ", "p ", "函数值", "导数", "斜率"))]
        by_curve = [rows[i:i + 3] for i in range(0, len(rows), 3)]
        assert by_curve and all(len({cells(line) for line in group}) == 1 for group in by_curve), by_curve
    # The overview's labels (网络, 数据, 训练, 后端) are one 10-cell column.
    overview = [line for line in narration("feed-forward", "zh").splitlines() if line[:3] in {"网络 ", "数据 ", "训练 ", "后端 "}]
    assert len(overview) == 4 and {cells(re.match(r"\S+ +", line).group()) for line in overview} == {10}
    # Headings fill the width exactly.
    headings = [line for line in narration("spiral-optimizers", "zh").splitlines() if line.startswith("── ")]
    assert len(headings) >= 8 and {cells(line) for line in headings} == {WIDTH}


def test_chinese_paragraphs_wrap_in_terminal_cells():
    text = ("两次运行分道扬镳。链式法则沿着精确的梯度走，在这个学习率下每一步都冲得更远，权重无限增长"
            "（在第 32 个时期发散：这次更新把权重 W1[1,1] 推出了 float32 的表示范围（±3.4e38））。") * 3
    lines = wrap(text, 40, "  ")
    assert len(lines) > 5 and all(cells(line) <= 40 for line in lines)
    assert all(cells(line) >= 40 - cells("W1[1,1] ") for line in lines[:-1])  # filled, not broken early
    assert not any(line.lstrip()[0] in "，。；：）" or line[-1] in "（" for line in lines)
    assert "".join(line.strip() for line in lines) == text.replace(" ", "") or "W1[1,1]" in "".join(lines)
    assert not any("W1[1" in line and "W1[1,1]" not in line for line in lines)  # a symbol is never split
    # English goes through textwrap unchanged (the goldens hold the narration to it).
    english = "The forward difference overestimates or underestimates each gradient by about step/2 · ∂²C/∂θ². " * 3
    assert wrap(english, 40, "  ") == textwrap.wrap(english.strip(), 40, initial_indent="  ", subsequent_indent="  ")
    # In the narration: the paragraphs of y3x-lr-1's comparison fill the width and never pass it.
    paragraph = _block(narration("y3x-lr-1", "zh"), "两次运行分道扬镳")
    assert len(paragraph) >= 3 and all(WIDTH - 4 <= cells(line) <= WIDTH for line in paragraph[:-1])


# --- every message code, in Chinese -----------------------------------------------------------


def _prediction(**changes):
    values = dict(numpy_us=34.0, cupy_us=1000.0, steps=1, runs=1, speedup=0.034, pays=False, clear_win=3.0)
    values.update(changes)
    return Message.of("prediction", **values)


_OVERFLOW = dict(kind="weight", parameter="W1[1,1]", dtype="float32", limit=3.4028234663852886e38)
_WHERE = Message.of("gpu-fault-at", epoch=12, run=2, runs=3)
# One or more messages per code, with values as the engine makes them (an exception's text
# stands in as a symbol: it is the library's, not annlab's).
SAMPLES = {
    "numpy-asked": [Message.of("numpy-asked")],
    "cupy-asked": [Message.of("cupy-asked")],
    "prediction": [_prediction(), _prediction(steps=6, runs=3), _prediction(steps=6), _prediction(runs=2),
                   _prediction(speedup=12.5, pays=True), _prediction(speedup=1.5)],
    "auto-chose-numpy": [Message.of("auto-chose-numpy", prediction=_prediction())],
    "auto-chose-cupy": [Message.of("auto-chose-cupy", prediction=_prediction(speedup=12.5, pays=True)),
                        Message.of("auto-chose-cupy", why=Message.of("gpu-usable"))],
    "auto-fell-back": [Message.of("auto-fell-back", why=Message.of("cupy-missing", error="ModuleNotFoundError"), speedup=None),
                       Message.of("auto-fell-back", why=Message.of("gpu-unusable", error="cudaErrorNoDevice"), speedup=4.2)],
    "cupy-missing": [Message.of("cupy-missing", error="ModuleNotFoundError")],
    "gpu-miscomputed": [Message.of("gpu-miscomputed", total=11)],
    "gpu-unusable": [Message.of("gpu-unusable", error="cudaErrorNoDevice")],
    "gpu-usable": [Message.of("gpu-usable")],
    "cupy-unavailable": [Message.of("cupy-unavailable", why=Message.of("gpu-miscomputed", total=11))],
    "unknown-backend": [Message.of("unknown-backend", requested="opencl", choices=("auto", "numpy", "cupy"))],
    "parameter-overflow": [Message.of("parameter-overflow", **_OVERFLOW), Message.of("parameter-overflow", **{**_OVERFLOW, "kind": "bias", "parameter": "b1[1]"})],
    "loss-nan": [Message.of("loss-nan"), Message.of("loss-nan", **_OVERFLOW)],
    "loss-inf": [Message.of("loss-inf"), Message.of("loss-inf", **_OVERFLOW)],
    "stuck": [Message.of("stuck", parameter="W1[1,1]", value=12755.16, epoch=4, dtype="float32", spacing=0.000977, step=0.0001)],
    "fell-back": [Message.of("fell-back", where=_WHERE, fault="cudaErrorMemoryAllocation")],
    "cupy-failed": [Message.of("cupy-failed", where=Message.of("gpu-fault-at", epoch=1200, run=1, runs=1), fault="OutOfMemoryError")],
    "weights-from-file": [Message.of("weights-from-file")],
    "weights-initialised": [Message.of("weights-initialised", init="he", seed=7)],
}


LIBRARY_WORDS = {"ModuleNotFoundError", "cudaErrorNoDevice", "cudaErrorMemoryAllocation", "OutOfMemoryError", "opencl"}


def test_every_message_code_has_chinese_words():
    assert set(SAMPLES) == set(WORDS), "a sample per message code"
    for code, messages in SAMPLES.items():
        for message in messages:
            with language.speaking("en"):
                english = say(message)
            with language.speaking("zh"):
                chinese = say(message)
            assert re.search(r"[\u4e00-\u9fff]", chinese), (code, chinese)
            assert english_sentences(chinese) == [] and english_words(chinese, ALLOWED | LIBRARY_WORDS) == [], (code, chinese)
            assert Counter(_NUMBER.findall(chinese)) == Counter(_NUMBER.findall(english)), (code, english, chinese)
