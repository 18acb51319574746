"""The /log form's screens: the category picker, each step's question, the household matches, the edit
menu, the offer to replace an open entry, and the short help shown with a line that could not be read.

Why in the domain: a screen says what is asked and which buttons answer it; the chat (handlers/log_form/)
only renders it (bot/presentation/render.py), and another channel can draw the same screen. The verbs
are the form's buttons, mapped onto the callback codec's Log* actions by the renderer.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from bot.domain.catalogue.file import CategorySpec
from bot.domain.formatting import format_number
from bot.domain.households.erasure import household_name
from bot.domain.records.action_text import Localised, figures_line
from bot.domain.records.actions import Draft, default_unit, ordered_measures, skippable
from bot.domain.records.form_plan import AGAIN, FIELD, QUANTITY_UNIT, measure_of
from bot.domain.records.log_entry import start_menu
from bot.domain.screen import Button, Screen, button
from bot.domain.spans import Span, Text
from bot.i18n import Translator
from db.models import Household, User

APPROXIMATE = "approximate"
"""The edit menu's switch for the ≈ mark (the reader sets it from "hơn", "khoảng"…; the officer may know better)."""
EXAMPLES = ("gạo 45 hộ 108 khẩu 5410kg 81,15tr", "sửa nhà 2 căn 80tr hội phụ nữ")
"""Lines shown as examples of a one-line entry (Vietnamese, as officials write them, in every language)."""


def part_label(part: tuple[int, int] | None) -> str:
    """"(1/2) " on the screens of one of a line's actions; empty otherwise."""
    return f"({part[0]}/{part[1]}) " if part is not None else ""


def cancel_button(t: Translator) -> Button:
    return button("❌ " + t("Cancel"), "log.cancel")


def _category_rows(names: Localised, categories: Sequence[CategorySpec]) -> list[list[Button]]:
    """Two categories a row, in the order given (most used first)."""
    return [[button(names.category(spec), "log.category", spec.code) for spec in categories[i:i + 2]]
            for i in range(0, len(categories), 2)]


def category_screen(session: Session, *, viewer: User, names: Localised) -> Screen:
    """/log: recent entries to repeat (🔁), then the categories, most used first."""
    t = names.t
    menu = start_menu(session, user=viewer, names=names)
    rows = [[button(r.label, "log.repeat", r.action_id)] for r in menu.repeatable]
    rows += _category_rows(names, menu.categories)
    rows.append([cancel_button(t)])
    body = Text().add(t("What support was given? Choose a category:"))
    if menu.repeatable:
        body.add(t("🔁 repeats a recent entry: you only type the new figure."))
    return Screen(body, rows)


def loose_figures_screen(session: Session, *, viewer: User, names: Localised, figures: str) -> Screen:
    """A line with figures but no kind of support the catalogue knows: the kinds to pick, figures kept."""
    t = names.t
    rows = _category_rows(names, start_menu(session, user=viewer, names=names).categories)
    rows.append([cancel_button(t)])
    return Screen(Text().add(t("I read the figures ({figures}) but not the kind of support. Which kind is it? "
                               "The figures are kept.").format(figures=figures)), rows)


def step_screen(names: Localised, *, step: str, draft: Draft, spec: CategorySpec, ahead: Sequence[str],
                part: tuple[int, int] | None = None, note: str = "") -> Screen:
    """The question of one step and the buttons that answer it; ⏭ Skip when the step may be left out
    (`ahead`: the steps still planned after it), ❌ Cancel always."""
    t = names.t
    vi = t.locale == "vi"
    rows: list[list[Button]] = []
    code = measure_of(step)
    measure = spec.measure(code)
    optional = True
    if measure is not None:
        optional = skippable(draft, spec, measure.code, ahead)
        unit = names.unit(measure, draft.quantity_unit or default_unit(measure))
        if measure.code == "value":
            text = t("{label}? Type the amount, e.g. 500k, 1tr5, 81,15 triệu, 1.500.000đ.").format(
                label=names.measure_label(measure))
        else:
            text = t("{label} ({unit})? Type a number.").format(label=names.measure_label(measure), unit=unit)
        if step.startswith(AGAIN):
            last = draft.measure_value(code)
            if last is not None:
                shown = format_number(last, t.locale)
                text += "\n" + t("Last time: {value}.").format(value=shown)
                rows.append([button(t("Same as last time ({value})").format(value=shown), "log.keep")])
            optional = False
    elif step == QUANTITY_UNIT:
        quantity = spec.measure("quantity")
        assert quantity is not None
        text = t("In which unit?")
        rows += [[button(u.unit_vi if vi else u.unit_en, "log.set", u.code)] for u in quantity.units]
        # Asked before its quantity: skipping the unit skips the quantity too (the report gave none).
        optional = draft.quantity is None and skippable(draft, spec, "quantity", ahead)
    elif step.startswith(FIELD):
        extra = spec.field(step.removeprefix(FIELD))
        assert extra is not None
        optional = not extra.required
        name = extra.name_vi if vi else extra.name_en
        if extra.choices:
            text = t("{name}?").format(name=name)
            rows += [[button(c.vi if vi else c.en, "log.set", c.code)] for c in extra.choices]
        else:
            text = t("{name}? Type it.").format(name=name)
    elif step == "organisation":
        text = t("Which organisation gave it?")
        rows += [[button(names.organisation(o.code), "log.set", o.code)] for o in names.catalogue.organisation]
        optional = False
    elif step == "beneficiary_class":
        text = t("Who received it?")
        rows += [[button(names.beneficiary(b.code), "log.set", b.code)] for b in names.catalogue.beneficiary_class]
    elif step == "funding_source":
        text = t("Funding source?")
        rows += [[button(names.funding(f.code), "log.set", f.code)] for f in names.catalogue.funding_source]
    elif step == "action_date":
        text = t("When was it given? Tap a button or type a date like 15/6.")
        rows.append([button(t("Today"), "log.set", "today"), button(t("Yesterday"), "log.set", "yesterday")])
        optional = False
    else:
        text = {"household": t("Household that received it: type the head of household and the village, "
                               "e.g. “Nguyễn Văn A, thôn 3”."),
                "note": t("Type a note."),
                "photo": t("Send a photo (📎 → Photo)."),
                "location": t("Send your location (📎 → Location).")}.get(step, step)
    if optional:
        rows.append([button("⏭ " + t("Skip"), "log.skip")])
    rows.append([cancel_button(t)])
    body = Text()
    if note:
        body.add(note)
    body.add(part_label(part) + text)
    return Screen(body, rows)


def households_screen(t: Translator, matches: Sequence[Household]) -> Screen:
    """Registered households that match a typed name, to pick one (or keep the name as typed)."""
    rows = [[button(" · ".join(p for p in (household_name(t, h), h.village, h.code) if p)[:60],
                    "log.household", h.id or 0)] for h in matches]
    rows.append([button("✍️ " + t("Use the name as typed"), "log.typed_household")])
    rows.append([cancel_button(t)])
    return Screen(Text().add(t("Households in the register that match — tap the right one:")), rows)


def edit_menu_screen(names: Localised, *, spec: CategorySpec, draft: Draft, takes_attachments: bool) -> Screen:
    """✏️ Edit: every field of the card, then the ≈ switch and ↩ back to the card."""
    t = names.t
    labels: list[tuple[str, str]] = [(m.code, names.measure_label(m)) for m in ordered_measures(spec)]
    labels += [(f"{FIELD}{f.code}", f.name_vi if t.locale == "vi" else f.name_en) for f in spec.fields]
    labels += [("organisation", t("Organisation")), ("beneficiary_class", t("Beneficiaries")),
               ("funding_source", t("Funding")), ("action_date", t("Date")), ("household", t("Household")),
               ("note", t("Note"))]
    if takes_attachments:
        labels += [("photo", t("Photo")), ("location", t("Location"))]
    labels.append((APPROXIMATE, "≈ " + (t("The figures are exact (remove ≈)") if draft.approximate
                                        else t("The figures are approximate (mark ≈)"))))
    rows = [[button(label, "log.edit_field", code)] for code, label in labels]
    rows.append([button("↩ " + t("Back to the card"), "log.back")])
    return Screen(Text().add(t("Which field do you want to change?")), rows)


def replacement_screen(names: Localised, *, spec: CategorySpec, draft: Draft) -> Screen:
    """A line typed over an open form reads as a new entry: replace the open one with it (🔄) or keep it (↩)?"""
    t = names.t
    entry = names.category(spec)
    figures = figures_line(names, spec, draft)
    if figures:
        entry += f" · {figures}"
    rows = [[button("🔄 " + t("Replace it"), "log.replace"), button("↩ " + t("Keep the open entry"), "log.keep_open")]]
    return Screen(Text().add(t("This line reads as a new entry: {entry}. Replace the entry you are filling in "
                               "with it?").format(entry=entry)), rows)


def actions_list(names: Localised, drafts: Sequence[Draft], *, shared: str | None) -> Text:
    """A line holding several actions: each listed, each saved as its own record."""
    t = names.t
    body = Text().add(t("This line holds {count} separate entries; each is saved as its own record:").format(
        count=len(drafts)))
    for number, draft in enumerate(drafts, start=1):
        spec = names.catalogue.category_by_code(draft.category or "")
        assert spec is not None
        body.add(f"{number}. {names.category(spec)} · {figures_line(names, spec, draft)}")
    if shared:
        body.add(t("“{text}” is a total of them all: it is not split between them. Give each entry its own "
                   "figure with ✏️ Edit if the report has it.").format(text=shared))
    return body


def with_example(t: Translator, first: str) -> Text:
    """`first` (why the line was not taken), a blank line, and how a one-line entry is written."""
    body = Text().add(first).add("").add(t("You can write one line, for example:"))
    for example in EXAMPLES:
        body.add(Span(example, "code"))
    return body.add(t("or send /log to fill in a form step by step."))
