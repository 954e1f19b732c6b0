"""The interface language: English (the source text) or Chinese, through gettext.

Every sentence a learner reads is written in English in the code, wrapped in ``_()`` (or
``ngettext()`` where a count decides the form, or marked with ``N_()`` where it is stored in a
table and translated when shown). Babel extracts them into ``annlab/locale/annlab.pot``; the
Chinese catalogue is ``annlab/locale/zh/LC_MESSAGES/annlab.po``, compiled to the ``.mo`` that
ships in the wheel. The workflow (extract, update, translate, compile) is in the README.

The language is one process-wide setting, chosen once at start-up (``--lang``, then
``ANNLAB_LANG``, then the locale variables) and changed by the app's language key. ``_`` looks
the current catalogue up on every call, so text made after a switch is in the new language.
Numbers keep "." as the decimal point in every language: only words are translated.
"""

from __future__ import annotations

import gettext as _gettext
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Mapping

LANGUAGES = ("en", "zh")
DEFAULT = "en"
DOMAIN = "annlab"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

# The standard order of the POSIX locale variables: the first one set wins.
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


class LanguageError(ValueError):
    """An unknown language name (from --lang or ANNLAB_LANG)."""


def _catalogue(lang: str) -> _gettext.NullTranslations:
    if lang == DEFAULT:
        return _gettext.NullTranslations()
    # fallback=False: a missing .mo is a packaging bug, not something to hide behind English.
    return _gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[lang])


_current = DEFAULT
_translations: _gettext.NullTranslations = _gettext.NullTranslations()


def parse_language(text: str, where: str = "--lang") -> str:
    """``en``/``zh`` (any case, ``zh_CN``/``zh-Hans`` and the like count as ``zh``)."""
    code = text.strip().lower().replace("-", "_").split("_")[0].split(".")[0]
    if code not in LANGUAGES:
        raise LanguageError(f"{where}: found {text!r}; expected one of {', '.join(LANGUAGES)}")
    return code


def from_environment(environ: Mapping[str, str] | None = None) -> str:
    """``ANNLAB_LANG`` if set (an unknown value is an error), else the locale variables.

    A locale such as ``zh_CN.UTF-8`` means Chinese; any other locale (``C``, ``POSIX``,
    ``de_DE``) means the default, English: a locale is a preference, not a request for annlab.
    """
    environ = os.environ if environ is None else environ
    asked = environ.get("ANNLAB_LANG", "").strip()
    if asked:
        return parse_language(asked, "ANNLAB_LANG")
    for variable in LOCALE_VARIABLES:
        value = environ.get(variable, "").strip()
        if value:
            return "zh" if value.lower().startswith("zh") else DEFAULT
    return DEFAULT


def use(lang: str) -> None:
    """Make ``lang`` the language of every sentence made from now on."""
    global _current, _translations
    if lang not in LANGUAGES:
        raise LanguageError(f"found {lang!r}; expected one of {', '.join(LANGUAGES)}")
    _translations = _catalogue(lang)
    _current = lang


def current() -> str:
    return _current


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Use ``lang`` inside the block, and the previous language after it."""
    before = _current
    use(lang)
    try:
        yield
    finally:
        use(before)


def _(message: str) -> str:
    """``message`` in the current language."""
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form for a count of ``n`` (English: 1 epoch / 2 epochs; Chinese has one form)."""
    return _translations.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` where one English word means two things (context tells them apart)."""
    return _translations.pgettext(context, message)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it yet (tables built at import)."""
    return message
