"""The one catalogue matcher: which category, organisation, beneficiary class, funding source or
field choice a piece of text names.

Every place that reads catalogue words goes through here - quick entry, questions about totals,
/target, /unreached, the household import's class column, the typed answer to a choice in the form -
so a word means the same thing wherever it is typed. The rules, once:

- the vocabulary of an entry is its `keywords`, its names (vi, en, short names without the
  `{level}` placeholder) and its code;
- text and vocabulary are folded (`bot.domain.parsing.text.fold`: case, diacritics, "đ") and tokenised the
  same way (`bot.domain.parsing.tokens`), and match whole tokens only ("tn" never matches inside "tien");
- the longest phrase wins ("nhà vệ sinh" is sanitation, not housing + "vệ sinh");
- diacritics are optional, but typed ones that contradict every spelling of a word refuse the match
  ("bó" is not "bò").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from bot.domain.catalogue.file import CatalogueFile, CategorySpec, ClassSpec, OrganisationSpec, built_once_per_catalogue
from bot.domain.parsing.text import diacritic_marks
from bot.domain.parsing.tokens import Token, tokenise


@dataclass(eq=False)
class Meaning:
    """What a phrase means: a role ("category", "organisation", "field", "quantity", "money"…) and
    a code. `marks` holds the diacritic spellings the meaning knows per folded word."""

    role: str
    code: str
    field_code: str = ""
    factor: int = 1
    priority: int = 0
    marks: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)

    def agrees(self, tokens: Sequence[Token]) -> bool:
        """False when the officer typed diacritics that contradict every spelling of this meaning."""
        for token in tokens:
            typed = diacritic_marks(token.norm)
            if not typed:
                continue
            known = self.marks.get(token.folded)
            if known and typed not in known:
                return False
        return True


class PhraseIndex:
    """Folded token sequences → meanings, for longest whole-word matching."""

    def __init__(self) -> None:
        self.phrases: dict[tuple[str, ...], list[Meaning]] = {}
        self.max_len = 0
        self.prefixes: set[tuple[str, ...]] = set()
        """Every beginning of a phrase: `at` stops as soon as the words read so far begin none (most starts
        end on their first word, which keeps reading a line well under a millisecond)."""

    def add(self, keywords: Iterable[str], meaning: Meaning) -> None:
        for keyword in keywords:
            tokens = tokenise(keyword)
            if not tokens:
                continue
            for token in tokens:
                typed = diacritic_marks(token.norm)
                if typed:
                    meaning.marks.setdefault(token.folded, set()).add(typed)
            key = tuple(t.folded for t in tokens)
            bucket = self.phrases.setdefault(key, [])
            if meaning not in bucket:
                bucket.append(meaning)
            self.max_len = max(self.max_len, len(key))
            self.prefixes.update(key[:size] for size in range(1, len(key) + 1))

    def merged(self, *others: PhraseIndex) -> PhraseIndex:
        """One index holding this one's phrases and the others' (same meaning objects)."""
        result = PhraseIndex()
        for index in (self, *others):
            for key, meanings in index.phrases.items():
                bucket = result.phrases.setdefault(key, [])
                bucket.extend(m for m in meanings if m not in bucket)
            result.max_len = max(result.max_len, index.max_len)
            result.prefixes |= index.prefixes
        return result

    def at(self, tokens: Sequence[Token], start: int, usable: Callable[[int], bool]) -> list[tuple[int, Meaning]]:
        """(end, meaning) of every phrase starting at `start` over usable tokens, agreement-checked."""
        if start >= len(tokens) or (tokens[start].folded,) not in self.prefixes:
            return []
        found: list[tuple[int, Meaning]] = []
        key: list[str] = []
        for end in range(start, min(len(tokens), start + self.max_len)):
            if not usable(end):
                break
            key.append(tokens[end].folded)
            if tuple(key) not in self.prefixes:
                break
            for meaning in self.phrases.get(tuple(key), ()):
                if meaning.agrees(tokens[start : end + 1]):
                    found.append((end + 1, meaning))
        return found


@dataclass(frozen=True)
class Found:
    """A phrase of the text that names catalogue entries: tokens [start, end) and what they mean."""

    start: int
    end: int
    text: str
    meanings: tuple[Meaning, ...]

    @property
    def codes(self) -> list[str]:
        return list(dict.fromkeys(m.code for m in self.meanings))


def _level_free(name: str) -> str:
    """"UBND {level}" → "UBND": the bare name is what people type when they leave the level out."""
    return " ".join(name.replace("{level}", " ").split())


def aliases(entry: CategorySpec | OrganisationSpec | ClassSpec) -> list[str]:
    """Every way an entry may be named: its keywords, its names and its code."""
    names: list[str] = [*entry.keywords, entry.name_vi, entry.name_en, entry.code]
    if isinstance(entry, OrganisationSpec):
        names += [entry.short_vi, entry.short_en]
    return list(dict.fromkeys(n for n in (_level_free(x) for x in names) if n))


class CatalogueMatcher:
    """The compiled vocabulary of one catalogue (built once per catalogue, see `matcher_for`)."""

    def __init__(self, catalogue: CatalogueFile) -> None:
        self.catalogue = catalogue
        self.category_keywords: dict[str, PhraseIndex] = {}
        self.choices: dict[str, PhraseIndex] = {}
        self.field_choices: dict[tuple[str, str], PhraseIndex] = {}
        self.quantity_units: dict[str, PhraseIndex] = {}
        """Per category: the words of its quantity's units, as typed after a figure in the form ("5 tấn")."""
        for spec in catalogue.category:
            self.quantity_units[spec.code] = _quantity_units(spec)
            own = self.category_keywords[spec.code] = PhraseIndex()
            own.add(aliases(spec), Meaning("category", spec.code))
            every = self.choices[spec.code] = PhraseIndex()
            for extra in spec.fields:
                one = self.field_choices[(spec.code, extra.code)] = PhraseIndex()
                for choice in extra.choices:
                    meaning = Meaning("field", choice.code, field_code=extra.code)
                    words = [*choice.keywords, choice.vi, choice.en, choice.code]
                    one.add(words, meaning)
                    every.add(words, meaning)
        self.categories = PhraseIndex().merged(*self.category_keywords.values())
        self.organisations = PhraseIndex()
        for organisation in catalogue.organisation:
            self.organisations.add(aliases(organisation), Meaning("organisation", organisation.code))
        self.classes = PhraseIndex()
        for klass in catalogue.beneficiary_class:
            self.classes.add(aliases(klass), Meaning("beneficiary_class", klass.code))
        self.funding = PhraseIndex()
        for source in catalogue.funding_source:
            self.funding.add(aliases(source), Meaning("funding_source", source.code))
        self.general = self.organisations.merged(self.classes, self.funding)
        self.named = self.categories.merged(self.organisations)
        """What a question names: kinds of support and organisations, read together."""

    def field_index(self, category: str, field_code: str) -> PhraseIndex:
        return self.field_choices.get((category, field_code)) or PhraseIndex()

    def find(self, text: str, index: PhraseIndex) -> list[Found]:
        """Every phrase of `text` the index knows, longest first and never overlapping, in text order."""
        tokens = tokenise(text)
        spans: list[tuple[int, int, list[Meaning]]] = []
        for start in range(len(tokens)):
            by_end: dict[int, list[Meaning]] = {}
            for end, meaning in index.at(tokens, start, lambda _i: True):
                by_end.setdefault(end, []).append(meaning)
            spans += [(start, end, meanings) for end, meanings in by_end.items()]
        spans.sort(key=lambda span: (span[0] - span[1], span[0]))
        taken: set[int] = set()
        found: list[Found] = []
        for start, end, meanings in spans:
            if taken.isdisjoint(range(start, end)):
                taken.update(range(start, end))
                found.append(Found(start, end, " ".join(t.raw for t in tokens[start:end]), tuple(meanings)))
        return sorted(found, key=lambda f: f.start)

    def exact(self, text: str, index: PhraseIndex) -> str | None:
        """The one code the whole text names (punctuation around it aside), or None."""
        tokens = [t for t in tokenise(text)]
        while tokens and tokens[-1].kind == "punct":
            tokens.pop()
        codes = {m.code for end, m in index.at(tokens, 0, lambda _i: True) if end == len(tokens)}
        return codes.pop() if len(codes) == 1 else None

    def leading(self, text: str, index: PhraseIndex) -> tuple[str | None, str]:
        """The code named by the longest phrase at the start of `text`, and the rest as typed."""
        tokens = tokenise(text)
        matches = index.at(tokens, 0, lambda _i: True)
        if not matches:
            return None, text.strip()
        end = max(end for end, _ in matches)
        codes = {m.code for e, m in matches if e == end}
        if len(codes) != 1:
            return None, text.strip()
        return codes.pop(), " ".join(t.raw for t in tokens[end:])


def _quantity_units(spec: CategorySpec) -> PhraseIndex:
    """The unit words of a category's quantity: each option's code, name and keywords (the option's code is
    the meaning), or the single unit's names and keywords (meaning "quantity")."""
    index = PhraseIndex()
    quantity = spec.measure("quantity")
    if quantity is None:
        return index
    for option in quantity.units:
        index.add([option.code, option.unit_vi, *option.keywords], Meaning("quantity", option.code))
    if not quantity.units:
        index.add([quantity.unit_vi, quantity.unit_en, *quantity.unit_keywords], Meaning("quantity", "quantity"))
    return index


def without(text: str, found: Sequence[Found]) -> str:
    """`text` with the found phrases taken out (tokens joined by single spaces)."""
    gone = {i for f in found for i in range(f.start, f.end)}
    return " ".join(t.raw for i, t in enumerate(tokenise(text)) if i not in gone)


def longest(found: Sequence[Found]) -> Found | None:
    """The longest of the found phrases (the earliest among equals)."""
    return max(found, key=lambda f: (f.end - f.start, -f.start), default=None)


matcher_for = built_once_per_catalogue(CatalogueMatcher)
"""The matcher of a catalogue, built once."""
