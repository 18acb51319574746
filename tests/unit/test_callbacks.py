"""The callback codec: every action survives encode → decode, and nothing else decodes.

Property-based (hypothesis): random text and near-misses of real payloads never raise and never decode
to something that was not sent.
"""

from __future__ import annotations

import dataclasses
import typing

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.presentation import callbacks as cb
from bot.presentation.callbacks import Action, decode, encode

SAMPLES: list[Action] = [
    cb.SetLanguage("vi"), cb.SetRoute("telegram"), cb.FixRecord(17), cb.AskVoid(17), cb.ConfirmVoid(17),
    cb.KeepRecord(),
    cb.ViewHousehold(3), cb.ImportHouseholds(4), cb.SkipImport(4), cb.ResolveDuplicate("same", 9),
    cb.InviteCancel(), cb.InviteRole("supervisor"), cb.InviteUnit(4), cb.InviteOpenUnit(4), cb.InvitePage(4, 2),
    cb.InviteOrganisation(None), cb.InviteOrganisation(6), cb.TotalsChooser("U"), cb.TotalsBack(),
    cb.TotalsOtherDates(), cb.TotalsExcel(), cb.TotalsDraftReport(), cb.TotalsPeriod("q-1"), cb.TotalsUnit(12),
    cb.TotalsOrganisation(None), cb.TotalsOrganisation("womens_union"), cb.TotalsCategory("rice"),
    cb.TotalsBreakdown("unit"), cb.DrillDown("housing", 3), cb.PeriodPreset("h1", 2027), cb.SubmitPeriod(5),
    cb.ConfirmSubmit(5), cb.NotNow(), cb.LogCancel(), cb.LogCategory("rice"), cb.LogRepeat(8), cb.LogSet("today"),
    cb.LogSkip(), cb.LogKeep(), cb.LogHousehold(2), cb.LogTypedHousehold(), cb.LogSave(), cb.LogEdit(),
    cb.LogEditField("field:occasion"), cb.LogEditField("quantity"), cb.LogBack(),
    cb.PeopleList(0), cb.PeopleRevokeInvite(3), cb.PeoplePerson(4, 1), cb.PeopleAskDeactivate(4, 0),
    cb.PeopleDeactivate(4, 0), cb.PeopleReactivate(4, 2), cb.PeopleRoleMenu(4, 0), cb.PeopleSetRole(4, "admin", 0),
    cb.PeopleUnitMenu(4, None, 0), cb.PeopleUnitMenu(4, 7, 1), cb.PeopleSetUnit(4, 7), cb.EraseAsk(5),
    cb.EraseConfirm(5), cb.EraseCancel(5),
    cb.AskAboutRecord(17), cb.ConfirmFigures(4), cb.ReplyToQuestion(4), cb.CancelQuestion(),
    cb.LogReplace(), cb.LogKeepOpen(), cb.KeptLineEntry(), cb.KeptLineTotals(), cb.LogPickTotal("d"),
    cb.UnitListPage("tot", 3), cb.UnitListFind("inv"), cb.UnitListAll("st"), cb.DrillUnit("rice", 12),
    cb.UnreachedUnit(12),
    cb.ReviewSave(), cb.ReviewCancel(), cb.ReviewSkip(),
]


def test_every_registered_action_has_a_sample() -> None:
    assert {type(a) for a in SAMPLES} == set(cb.registered())


@pytest.mark.parametrize("item", SAMPLES, ids=lambda a: type(a).__name__)
def test_round_trip(item: Action) -> None:
    data = encode(item)
    assert data.isascii() and len(data.encode()) <= 64
    assert decode(data) == item


@pytest.mark.parametrize("data", [
    # the wire format the bot has always used (old buttons in chats keep working)
    "hist:void:17", "hist:voidok:17", "hist:fix:17", "hist:keep", "tot:p:q0", "tot:u:17", "tot:o:*", "tot:P",
    "tot:xlsx", "tot:x", "tot:R", "tot:b:org", "drill:rice:0", "rp:sub:5", "rp:preset:year:2027", "rp:no",
    "inv:org:none", "inv:page:3:1", "log:set:yesterday", "log:editf:field:occasion", "lang:en", "dup:other:4",
    "ppl:list:0", "ppl:units:4:0:0", "ppl:setrole:4:admin:0", "ppl:revoke:3", "hhx:ask:5", "hhx:yes:5", "hhx:no:5",
])
def test_known_payloads_decode(data: str) -> None:
    found = decode(data)
    assert found is not None and encode(found) == data


@pytest.mark.parametrize("data", [
    "", "hist", "hist:", "hist:void", "hist:void:", "hist:void:²", "hist:void:٣", "hist:void:0", "hist:void:-1",
    "hist:void:+5", "hist:void:05", "hist:void: 5", "hist:void:5 ", "hist:void:5:6", "hist:void:1e3",
    f"hist:void:{2**31}", f"hist:void:{2**63}", "hist:keep:", "hist:keep:1", "hist:voidnow:1",
    "rp:preset:h1:0", "rp:preset:h1:0000", "rp:preset:h1:9999", "rp:preset:h1:1999", "rp:preset:h2:2027",
    "rp:preset:h1", "rp:preset:h1:2027:1", "tot:p:q9", "tot:p:", "tot:Z", "tot:b:village", "tot:o:", "tot:o:A",
    "tot:o:**", "tot:c:rice;drop", "lang:fr", "lang:", "dup:maybe:4", "dup:same", "inv:org:None", "inv:page:3",
    "inv:page:3:-1", "inv:role:root", "log:editf:field:", "log:editf:field:field:x", "log:set:TODAY",
    "log:set:ngày", "drill:rice", "drill::0", "drill:rice:00", "x" * 65, "hist:void:" + "1" * 60, "HIST:VOID:1",
    "tot:u:１２",  # full-width digits
])
def test_near_misses_do_not_decode(data: str) -> None:
    assert decode(data) is None


def test_decode_of_non_text_is_none() -> None:
    assert decode(None) is None
    assert decode(b"hist:keep") is None


@settings(max_examples=500)
@given(st.text(max_size=80))
def test_random_text_never_raises_and_reencodes_exactly(data: str) -> None:
    found = decode(data)
    if found is not None:  # whatever decodes is exactly what encode writes: no two spellings of one action
        assert encode(found) == data


_PIECES = st.sampled_from(["hist", "void", "voidok", "fix", "keep", "tot", "p", "u", "o", "c", "b", "rp", "sub",
                           "preset", "h1", "year", "inv", "org", "page", "none", "log", "set", "editf", "field",
                           "drill", "dup", "same", "lang", "vi", "*", "", "0", "1", "2027", "9999", "²", "-1",
                           str(2**31), str(2**63), "q0", "rice", " 1", "٣"])


@settings(max_examples=500)
@given(st.lists(_PIECES, min_size=1, max_size=5))
def test_structured_near_misses_never_raise(pieces: list[str]) -> None:
    data = ":".join(pieces)
    found = decode(data)
    if found is not None:
        assert encode(found) == data
        for name, kind in found.FIELDS:
            value = getattr(found, name)
            if kind is cb.ID:
                assert 0 < value < 2**31
            if kind is cb.YEAR:
                assert 2000 <= value <= 2100


def _strategy(kind: cb.Field) -> st.SearchStrategy[typing.Any]:
    if isinstance(kind, cb.Number):
        return st.integers(kind.low, kind.high)
    if isinstance(kind, cb.Choice):
        return st.sampled_from(sorted(kind.values))
    if isinstance(kind, cb.OrNone):
        return st.none() | _strategy(kind.inner)
    assert isinstance(kind, cb.Code)
    code = st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True)
    return code | st.builds(lambda c: "field:" + c, code) if kind.prefixes else code


@settings(max_examples=500)
@given(st.data())
def test_any_valid_action_round_trips(data: st.DataObject) -> None:
    cls = data.draw(st.sampled_from(sorted(cb.registered(), key=lambda c: c.TAG)))
    values = {f.name: data.draw(_strategy(kind)) for f, (_, kind) in zip(dataclasses.fields(cls), cls.FIELDS,
                                                                         strict=True)}
    item = cls(**values)
    assert decode(encode(item)) == item


def test_a_button_that_would_not_fit_is_refused_when_built() -> None:
    with pytest.raises(ValueError, match="cannot be decoded"):
        encode(cb.LogSet("a" * 60))
    with pytest.raises(ValueError, match="cannot be decoded"):
        encode(cb.AskVoid(0))
