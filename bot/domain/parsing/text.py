"""Text normalisation for matching what people type against the catalogue.

Officers type on phones with and without Vietnamese diacritics ("sửa nhà", "sua nha"), in
composed or decomposed Unicode depending on the keyboard, and with stray spaces. Matching is
done on a *folded* form so all of these meet; `diacritic_marks` keeps enough of the original to
tell "bó" (bundle) from "bò" (cow) when the officer did type the marks.
"""

from __future__ import annotations

import unicodedata


def normalise(text: str) -> str:
    """NFC, casefolded, single spaces: the form catalogue keywords are stored in.

    Same rule as `bot.domain.catalogue.file.normalise_keyword`, so user text and keywords compare equal
    whatever keyboard produced them.
    """
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def fold(text: str) -> str:
    """Lowercase, strip Vietnamese diacritics ("đ" → "d"), collapse whitespace.

    "Sửa  NHÀ" and "sua nha" both fold to "sua nha": many officers type without diacritics, and
    the catalogue lists keywords both ways, so folding lets either side match either spelling.
    """
    text = unicodedata.normalize("NFC", text).casefold().replace("đ", "d").replace("ð", "d")
    stripped = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    return " ".join(unicodedata.normalize("NFC", stripped).split())


def diacritic_marks(word: str) -> tuple[str, ...]:
    """The diacritics of a word as a sorted tuple (plus "đ"), independent of where a tone sits.

    "hoá" and "hóa" (old and new tone placement) give the same marks, "cận" and "căn" do not: the
    quick-entry parser uses this to refuse a match only when the officer's own marks contradict it.
    """
    lowered = unicodedata.normalize("NFC", word).casefold()
    marks = sorted(ch for ch in unicodedata.normalize("NFD", lowered) if unicodedata.combining(ch))
    if "đ" in lowered:
        marks.append("đ")
    return tuple(marks)


def trimmed_fold(text: str) -> str:
    """Folded, without trailing sentence punctuation ("5tr." or "15/6." at the end of a message)."""
    return fold(text).rstrip(" .,;:!?").strip()
