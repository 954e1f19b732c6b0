"""The Chinese catalogue is complete, well-formed and compiled.

The messages are extracted from the source here, independently of the committed template, so a
new ``_("…")`` without its translation fails this test (``python -m tests.catalogue`` then adds
it to the ``.po`` for translating).
"""

from __future__ import annotations

import gettext
import io
import re
import string

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from annlab import language
from tests.catalogue import ROOT, TRANSLATED, mo_file, po_file

# Anything that is not a word: symbols, numbers, punctuation, format fields.
_NO_WORDS = re.compile(r"^[^A-Za-z]*$")


def _source_messages() -> set[str | tuple[str, ...]]:
    """Every message the code asks for, as Babel extracts it (msgid, or (singular, plural))."""
    # The same mapping as pyproject's [tool.babel], relative to the package as there.
    method_map = [("**.py", "python")]
    found = set()
    for _filename, _lineno, message, _comments, context in extract_from_dir(str(ROOT / "annlab"), method_map):
        key = message if isinstance(message, str) else tuple(message)
        found.add((context, key))
    return found


def test_the_extraction_finds_the_code_s_messages():
    """A mapping that matches no file extracts nothing, and every test below would pass
    vacuously (it happened: "annlab/**.py" matched nothing under the package)."""
    found = {key for _context, key in _source_messages()}
    assert len(found) > 200
    assert "weights: value" in found and "Stepping through training" in found


def _catalogue(lang: str):
    with po_file(lang).open("rb") as handle:
        return read_po(handle, locale=lang)


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_in_the_code_is_translated(lang):
    catalogue = _catalogue(lang)
    missing, empty, fuzzy = [], [], []
    for context, key in sorted(_source_messages(), key=repr):
        msgid = key if isinstance(key, str) else key[0]
        entry = catalogue.get(msgid, context=context)
        if entry is None:
            missing.append(msgid)
        elif entry.fuzzy:
            fuzzy.append(msgid)
        elif not all(entry.string) if isinstance(entry.string, tuple) else not entry.string:
            empty.append(msgid)
    assert not missing, f"{len(missing)} messages not in the catalogue (run python -m tests.catalogue): {missing[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy translations to check: {fuzzy[:10]}"
    assert not empty, f"{len(empty)} untranslated messages: {empty[:10]}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_every_placeholder(lang):
    wrong = []
    for entry in _catalogue(lang):
        if not entry.id:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        expected = _fields(ids[-1]) | _fields(ids[0])
        for text in strings:
            if text and _fields(text) != expected:
                wrong.append((ids[0], text))
    assert not wrong, f"placeholders differ: {wrong[:5]}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_catalogue_has_no_stale_messages(lang):
    """A message removed from the code is removed from the catalogue too (no dead weight)."""
    in_code = {(context, key if isinstance(key, str) else key[0]) for context, key in _source_messages()}
    stale = [entry.id for entry in _catalogue(lang) if entry.id and (entry.context, entry.id if isinstance(entry.id, str) else entry.id[0]) not in in_code]
    assert not stale, f"{len(stale)} messages no longer in the code (run python -m tests.catalogue): {stale[:10]}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_shipped_mo_is_compiled_from_the_po(lang):
    compiled = io.BytesIO()
    write_mo(compiled, _catalogue(lang))
    assert mo_file(lang).read_bytes() == compiled.getvalue(), "stale .mo: run python -m tests.catalogue"


def test_the_chinese_catalogue_has_one_plural_form():
    with mo_file("zh").open("rb") as handle:
        translations = gettext.GNUTranslations(handle)
    assert translations.plural(1) == translations.plural(5) == 0


def test_english_is_the_source_text_and_chinese_is_looked_up():
    with language.speaking("en"):
        assert language._("epoch") == "epoch"
        assert language.ngettext("{n} epoch", "{n} epochs", 2) == "{n} epochs"
    with language.speaking("zh"):
        entry = next(e for e in _catalogue("zh") if e.id and isinstance(e.id, str) and e.string and not e.context)
        assert language._(entry.id) == entry.string
    assert language.current() == "en"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW.UTF-8"}, "zh"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({"LANG": "C"}, "en"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_GB.UTF-8"}, "zh"),
        ({"LC_ALL": "", "LC_MESSAGES": "", "LANG": "zh_CN"}, "zh"),
        ({"ANNLAB_LANG": "en", "LC_ALL": "zh_CN.UTF-8"}, "en"),
        ({"ANNLAB_LANG": "zh", "LANG": "en_US.UTF-8"}, "zh"),
        ({"ANNLAB_LANG": "zh-Hans"}, "zh"),
    ],
)
def test_the_language_comes_from_annlab_lang_then_the_locale_variables(environ, expected):
    assert language.from_environment(environ) == expected


def test_an_unknown_annlab_lang_is_refused_by_name():
    with pytest.raises(language.LanguageError, match=r"ANNLAB_LANG: found 'fr'; expected one of en, zh"):
        language.from_environment({"ANNLAB_LANG": "fr"})


def test_messages_without_words_are_not_sent_to_translators():
    """A message of symbols only ("{a} = {b}") is not a sentence: keep it out of _()."""
    wordless = [key for _context, key in _source_messages() if isinstance(key, str) and _NO_WORDS.match(key)]
    assert not wordless, f"wrapped in _() but has no words: {wordless[:10]}"
