"""Catalogue chores for `make i18n`.

`fill-en`: our msgids are English, so the English catalogue is the msgids themselves; filling them in
keeps the catalogue complete (no "untranslated" entries) while translators only maintain Vietnamese.
`check`: fail when a Vietnamese message is missing or fuzzy, so an untranslated string never ships.
"""

from __future__ import annotations

import sys

from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, LOCALES_DIR


def _po_path(locale: str) -> str:
    return str(LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po")


def fill_english() -> int:
    path = _po_path("en")
    with open(path, "rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not any(message.string or ()):
                message.string = tuple(message.id)
        elif not message.string:
            message.string = message.id
        message.flags.discard("fuzzy")
    with open(path, "wb") as handle:
        write_po(handle, catalog, width=100, sort_by_file=True)
    return 0


def check(locale: str = "vi") -> int:
    with open(_po_path(locale), "rb") as handle:
        catalog = read_po(handle, locale=locale)
    missing = [str(m.id) for m in catalog if m.id and (m.fuzzy or not (
        all(m.string) if isinstance(m.string, tuple) else m.string))]
    for msgid in missing:
        print(f"{locale}: untranslated: {msgid!r}", file=sys.stderr)
    return 1 if missing else 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["fill-en"]:
        return fill_english()
    if argv[:1] == ["check"]:
        return check(*(argv[1:2] or ["vi"]))
    print("usage: python -m bot.i18n_tools fill-en | check [locale]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
