"""Per-user translations (gettext catalogues compiled from `locales/`).

Never `install()` a global `_`: two officials with different languages talk to the bot at the same
time, so each update carries its own `Translator` (see `handlers.context`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from babel.support import NullTranslations, Translations

from bot.config import REPO_ROOT, SUPPORTED_LOCALES

LOCALES_DIR = REPO_ROOT / "locales"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now (translated later, per user)."""
    return message


@dataclass(frozen=True)
class Translator:
    """gettext bound to one locale; `t("…")` is what handlers call."""

    locale: str
    translations: NullTranslations

    def __call__(self, message: str) -> str:
        return self.translations.gettext(message)

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)


@cache
def get_translator(locale: str) -> Translator:
    """The translator for `locale` (falls back to Vietnamese for anything unsupported)."""
    if locale not in SUPPORTED_LOCALES:
        locale = "vi"
    translations = Translations.load(str(LOCALES_DIR), [locale], domain=DOMAIN)
    return Translator(locale=locale, translations=translations)


def locale_from_telegram(language_code: str | None, default: str) -> str:
    """Best guess for a person we do not know yet: English only when their Telegram says so."""
    if language_code and language_code.split("-")[0].lower() == "en":
        return "en"
    return default
