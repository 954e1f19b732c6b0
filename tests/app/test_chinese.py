"""The app in Chinese (issue 11): the language key L switches every visible text and keeps the
learner's place; started in Chinese, the screens a learner meets first hold no English word
beyond symbols and names. Texts are read from the widgets (tests/app/words.py), not pixels."""

from __future__ import annotations

import re
import textwrap

import pytest
from rich.cells import cell_len
from textual.widgets import DataTable, Input, Select, Static
from textual.widgets._footer import FooterKey

from annlab import language
from annlab.app import settle
from annlab.app.base import TitleBar
from annlab.app.boundary import BoundaryPanel
from annlab.app.charts import BarChart, FunctionChart, LossChart, ParameterChart
from annlab.app.dialogs import HELP, HelpScreen, shorten
from annlab.app.keep import default_path
from annlab.app.panels import ChainPanel, NetworkPanel, StepPanel
from annlab.app.settings import SettingsScreen
from annlab.language import speaking
from annlab.scenario.bundled import DEFAULT_SCENARIO, bundled_scenarios
from tests.app.words import plain, screen_texts

SIZE = (120, 40)


@pytest.fixture(autouse=True)
def english_afterwards():
    """The language is one process-wide setting: every test here leaves English behind."""
    yield
    language.use("en")


def footer(screen) -> list[str]:
    return [key.description for key in screen.query(FooterKey)]


def lab_texts(screen) -> dict[str, str]:
    """What the training screen shows, by place: panels, headings, status, title and footer."""
    return {
        "title": plain(screen.query_one(TitleBar).content),
        "status": plain(screen.query_one("#status", Static).content),
        "network": plain(screen.query_one(NetworkPanel).content),
        "step": plain(screen.query_one(StepPanel).content),
        "chain": plain(screen.query_one(ChainPanel).content),
        "step-box": str(screen.query_one("#step-box").border_title),
        "network-box": str(screen.query_one("#network-box").border_title),
        "bars": plain(screen.query_one("#place-label", Static).content) + plain(screen.query_one("#progress-label", Static).content),
        "footer": " ".join(footer(screen)),
    }


def place(screen) -> tuple:
    return (screen.cursor.position, screen.parameter_index, screen.point, screen.run_index, screen.full_precision)


async def test_the_language_key_switches_every_text_and_keeps_the_learners_place(make_app):
    app = make_app("toy-backprop")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        # A place to keep: epoch 2, the backward step of layer 1, the second parameter, full precision.
        await pilot.press("e", *["n"] * 8, "right_square_bracket", "f")
        await pilot.pause()
        where = place(screen)
        assert where[0].epoch == 2 and screen.cursor.step.kind == "back" and screen.cursor.step.layer == 1
        english = lab_texts(screen)
        assert english["step"].startswith("Epoch 2 · backward: gradients of layer 1")
        assert english["step-box"] == "the current step" and "next" in english["footer"].split()

        await pilot.press("L")
        await pilot.pause()
        await pilot.pause()
        assert language.current() == "zh"
        assert app.screen is screen and place(screen) == where
        chinese = lab_texts(screen)
        # Every text changed, and says the same place in the chapter's words.
        assert all(chinese[key] != english[key] for key in english), [key for key in english if chinese[key] == english[key]]
        assert chinese["step"].startswith("第 2 个时期 · 反向传播：第 1 层的梯度")
        assert chinese["step-box"] == "当前步骤"
        assert chinese["network-box"].startswith("网络")
        assert chinese["status"].startswith("第 2 个时期（共 100 个）")
        assert {"下一步", "上一步", "帮助", "退出"} <= set(footer(screen)) and "next" not in footer(screen)
        assert chinese["title"] == "玩具网络，单个样本：反向传播"  # the file's [scenario.zh] title
        # The same numbers: the backward step's gradients at full precision, in both languages.
        numbers = re.compile(r"-?\d+\.\d{6,}(?:e-?\d+)?")
        assert numbers.findall(chinese["step"]) == numbers.findall(english["step"]) != []
        assert numbers.findall(chinese["chain"]) == numbers.findall(english["chain"]) != []

        await pilot.press("L")
        await pilot.pause()
        await pilot.pause()
        assert language.current() == "en" and place(screen) == where
        assert lab_texts(screen) == english  # back to the very same English, text for text


async def test_switching_under_a_pop_up_redraws_both_and_keeps_what_was_typed(make_app):
    app = make_app("toy-backprop")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        lab = app.screen
        await pilot.press("question_mark", "L")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        help_text = " ".join(plain(widget.content) for widget in app.screen.query(".help-heading, .help-words"))
        assert help_text.startswith("逐步查看训练") and "切换界面语言" in help_text
        assert lab.query_one("#step-box").border_title == "当前步骤"  # the lab beneath too
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is lab and "帮助" in footer(lab)

        # The settings dialog: a typed, not yet applied learning rate and a chosen gradient survive.
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        app.screen.query_one("#lr", Input).value = "0.5"
        app.screen.query_one("#gradient", Select).value = "both"
        app.screen.query_one("#gradient", Select).focus()
        await pilot.press("L")
        await pilot.pause()
        dialog = app.screen
        assert language.current() == "en"
        assert dialog.query_one("#lr", Input).value == "0.5" and dialog.query_one("#gradient", Select).value == "both"
        assert "learning rates" in screen_texts(dialog)


async def test_the_softmax_table_switches_and_keeps_its_row(make_app):
    app = make_app("softmax-table")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n", "n")
        await pilot.press("L")
        await pilot.pause()
        screen = app.screen
        grid = screen.query_one(DataTable)
        assert grid.cursor_row == 2
        assert [plain(c.label) for c in grid.columns.values()][:2] == ["图像", "目标值"]
        assert plain(screen.query_one("#explain", Static).content).startswith("图像 3，目标值")


# --- no English on the first screens ---------------------------------------------------------

# Words that stay as they are in Chinese: names (activations, dtypes, optimisers, libraries,
# keys), annlab's own name; anything with a digit, "_" or "'" in it is a symbol (h11, W1[1,1],
# loss_plus, f'(h), Σ_rows) and is not a word. Words of one or two letters are symbols too
# (x, lr, ln, vs); an English sentence always has longer words.
ALLOWED = {
    "sigmoid", "tanh", "relu", "softmax", "linear", "float", "numpy", "cupy", "sgd", "momentum", "adam",
    "rmsprop", "log", "annlab", "logits", "dtype", "symlog", "sign", "ctrl", "shift", "space", "enter",
    "esc", "tab", "pgup", "pgdn", "english", "lang", "toml", "xor",
    "gpu", "auto", "max",  # the device, the backend's name as typed, and relu = max(0, h)
    "layers", "samples",  # scenario keys, quoted in summaries as the file writes them
}
TOKEN = re.compile(r"[A-Za-z0-9_'’]+")
# The charts are checked by test_charts.py (plotext draws their words).
CHARTS = (LossChart, ParameterChart, BarChart, FunctionChart, BoundaryPanel)


def words(text: str) -> list[str]:
    return [t for t in TOKEN.findall(text) if t.isalpha() and t.isascii() and len(t) > 2]


def made_elsewhere(app) -> list[str]:
    """What is not words of annlab's: the scenario's file names and paths (the bundled
    scenarios' titles and summaries are in Chinese through their [scenario.zh] tables)."""
    s = app.scenario
    texts = [str(s.path), str(default_path(s))] + [e.name for e in bundled_scenarios()]
    if "zh" not in s.texts:  # a file in one language shows its own text in every language
        texts += [s.title, s.summary]
    return sorted((" ".join(t.split()) for t in texts if t), key=len, reverse=True)


def english_words(app, screen) -> list[str]:
    names = {c.lower() for c in getattr(app.scenario.table, "classes", ())}
    texts = screen_texts(screen, skip=CHARTS)
    for boundary in screen.query(BoundaryPanel):  # its map is letters; its caption is words
        texts += [str(boundary.border_title), plain(boundary.content).splitlines()[-1]]
    found = []
    for text in texts:
        text = " ".join(text.split())
        for foreign in made_elsewhere(app):
            text = text.replace(foreign, "")
        found += [w for w in words(text) if w.lower() not in ALLOWED | names]
    return found


# Each scenario's first screens, one stop after another (an Esc closes a pop-up before the next).
TOURS = {
    DEFAULT_SCENARIO: [(), ("n",) * 5, ("n", "n"), ("n",), ("question_mark",), ("escape", "l"), ("escape", "w"),
                       ("escape", "o"), ("escape", "s")],  # `annlab --lang zh` opens it
    "feed-forward": [("n",) * 5],
    "xor": [("G",)],
    "spiral-optimizers": [("n",) * 3],
    "softmax-table": [(), ("v",)],
    "activations": [("right",)],
    "losses": [("t",)],
}


@pytest.mark.parametrize("name", list(TOURS))
async def test_started_in_chinese_the_first_screens_have_no_english_words(make_app, name):
    with speaking("zh"):
        app = make_app(name)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            for keys in TOURS[name]:
                await pilot.press(*keys)
                await pilot.pause()
                await pilot.pause()
                texts = screen_texts(app.screen, skip=CHARTS)
                assert any(re.search(r"[\u4e00-\u9fff]", t) for t in texts), keys
                assert english_words(app, app.screen) == [], keys


def test_the_word_check_finds_english():
    """The check above can fail: English words are caught, symbols and names are not."""
    assert words("第 1 个时期 · the loss of W1[1,1]") == ["the", "loss"]
    assert [w for w in words("lr 0.01 · 链式法则 · sigmoid · (loss_plus − loss)") if w not in ALLOWED] == ["loss"]
    assert words("h11 = x1·W1[1,1] + b1[1] · f'(h) · Σ_rows") == []


async def test_the_chinese_help_is_translated_row_by_row_and_keeps_its_columns(make_app):
    """Every heading and description of the help is in Chinese, and the grid keeps the keys in
    one column and the descriptions in another (a Chinese character takes two cells)."""
    with speaking("zh"):
        for heading, rows in HELP:
            assert language._(heading) != heading
            for _key, description in rows:
                assert language._(description) != description, description
    app = make_app("feed-forward")
    with speaking("zh"):
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("question_mark")
            await pilot.pause()
            keys = {widget.region.x for widget in app.screen.query(".help-key")}
            descriptions = {widget.region.x for widget in app.screen.query(".help-words")}
            texts = [plain(widget.content) for widget in app.screen.query(".help-words")]
    assert len(keys) == 1 and len(descriptions) == 1 and min(descriptions) > min(keys)
    assert any("链式法则" in text for text in texts)


def test_summaries_are_shortened_in_terminal_cells_also_without_spaces():
    # English: exactly textwrap.shorten's cut at a word (the independent reference).
    for entry in bundled_scenarios():
        for cells in (30, 60, 160, 240):
            assert shorten(entry.summary, cells) == textwrap.shorten(entry.summary, cells, placeholder=" …")
    # Chinese has no spaces between words: textwrap would leave only the placeholder.
    chinese = "本章的第一个前馈传播使用图中的权重没有偏差项" * 20
    assert textwrap.shorten(chinese, 40, placeholder=" …") == "…"
    short = shorten(chinese, 40)
    assert short == chinese[:19] + " …" and cell_len(short) == 40
