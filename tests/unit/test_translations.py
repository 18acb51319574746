"""Every user-facing string exists in Vietnamese and English, and the catalogues are not stale."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import get_translator
from tests.support.databases import REPO

KEYWORDS = {"t": None, "N_": None, "_": None, "gettext": None, "ngettext": (1, 2)}


def _catalogue(locale: str) -> dict[str, object]:
    with (REPO / "locales" / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return {(m.id[0] if isinstance(m.id, tuple) else m.id): m for m in read_po(handle, locale=locale) if m.id}


def _messages_in_code() -> set[str]:
    found: set[str] = set()
    for folder in ("bot", "handlers", "db"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
                Path(REPO / folder), method_map=[("**.py", "python")], keywords=KEYWORDS):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_string_in_the_code_is_in_both_catalogues() -> None:
    in_code = _messages_in_code()
    for locale in ("vi", "en"):
        missing = in_code - set(_catalogue(locale))
        assert not missing, f"run `make i18n`; {locale} lacks: {sorted(missing)[:5]}"


def test_vietnamese_is_complete_and_not_fuzzy() -> None:
    untranslated = [mid for mid, m in _catalogue("vi").items()
                    if not (all(m.string) if isinstance(m.string, tuple) else m.string) or m.fuzzy]  # type: ignore[attr-defined]
    assert not untranslated, f"translate in locales/vi: {untranslated[:5]}"


def test_translators_are_per_locale() -> None:
    assert get_translator("vi")("Cancelled.") == "Đã hủy."
    assert get_translator("en")("Cancelled.") == "Cancelled."
    assert get_translator("fr").locale == "vi"
