"""The /log form's typed state (bot/domain/records/form_state.py) and the typed user data around it
(handlers/user_data.py): the persisted JSON keeps the shape the untyped dict had, so a form half-filled
before a deploy resumes, and the database round trip gives the typed objects back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from copy import deepcopy
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.domain.records.actions import Draft
from bot.domain.records.form_state import FormState, OfferedLine
from bot.persistence import DatabasePersistence
from db import state_store
from db.models import BotState
from db.session import SessionFactory, make_engine
from handlers.user_data import KEEP_SAVED_LINES, UserData

DRAFT = {"key": "a" * 32, "category": "rice", "quantity": "500", "households": 20, "fields": {"kind": "gift"},
         "skipped": ["persons"], "reading": {}, "total_choice": None}
OLD_SHAPE: dict[str, Any] = {
    "draft": DRAFT, "plan": ["value", "action_date"], "queue": [{**DRAFT, "key": "b" * 32, "category": "gift"}],
    "part": [1, 2], "source": 77, "unseen": True, "typed_household": "Nguyễn Văn A, thôn 3",
    "line": {"text": "gạo 5 hộ 100kg", "source": 78}, "line_text": "gạo 500 kg 20 hộ",
}


@pytest.fixture
def factory(database_url: str) -> Iterator[SessionFactory]:
    engine = make_engine(database_url)
    yield SessionFactory(engine)
    engine.dispose()


def test_the_dict_the_form_kept_before_reads_as_typed_fields() -> None:
    state = FormState.from_json(OLD_SHAPE)
    assert state.draft is not None and state.draft.category == "rice" and state.draft.households == 20
    assert state.plan == ["value", "action_date"] and state.part == (1, 2) and state.source == 77
    assert [d.category for d in state.queue] == ["gift"] and state.unseen
    assert state.typed_household == "Nguyễn Văn A, thôn 3" and state.line == OfferedLine("gạo 5 hộ 100kg", 78)
    assert state.line_text == "gạo 500 kg 20 hộ"


def test_the_persisted_shape_is_the_old_one() -> None:
    written = FormState.from_json(OLD_SHAPE).to_json()
    assert written["plan"] == OLD_SHAPE["plan"] and written["part"] == [1, 2]
    assert written["line"] == OLD_SHAPE["line"] and written["queue"][0]["category"] == "gift"
    assert Draft.from_dict(written["draft"]) == Draft.from_dict(DRAFT)
    assert json.loads(json.dumps(written)) == written  # JSON types only


def test_an_empty_form_is_the_category_picker_and_reads_as_no_form_open() -> None:
    assert not FormState() and FormState().to_json() == {}
    assert FormState(draft=Draft(category="rice"))
    assert not FormState.from_json({}) and not FormState.from_json(None)


def test_what_cannot_be_read_is_left_out_rather_than_failing() -> None:
    state = FormState.from_json({"draft": "junk", "part": [1], "source": "77", "line": "text", "plan": None})
    assert state == FormState()


def test_user_data_types_the_form_and_keeps_other_conversations_keys() -> None:
    data = UserData.from_json({"log": OLD_SHAPE, "invite": {"role": "reporter"}, 5: "five"})
    assert isinstance(data.form, FormState) and data.form.source == 77
    assert data["invite"] == {"role": "reporter"} and data[5] == "five"
    data.close_form()
    assert data.form is None
    opened = data.open_form()
    assert data.form is opened and not opened


def test_saved_lines_keep_the_latest_only() -> None:
    data = UserData()
    for message_id in range(KEEP_SAVED_LINES + 5):
        data.remember_saved_line(message_id, 1000 + message_id)
    assert len(data.saved_lines) == KEEP_SAVED_LINES
    assert data.saved_lines.get("4") is None and data.saved_lines["24"] == 1024


async def test_the_typed_form_goes_to_the_database_as_json_and_comes_back_typed(factory: SessionFactory,
                                                                                session: Session) -> None:
    persistence = DatabasePersistence(factory)
    await persistence.get_user_data()
    live = UserData.from_json({"log": deepcopy(OLD_SHAPE), "log_lines": {"12": 5}})
    await persistence.update_user_data(7, live)
    session.expire_all()
    [row] = session.exec(select(BotState).where(BotState.kind == "user_data")).all()
    assert row.data["log"]["plan"] == ["value", "action_date"] and row.data["log_lines"] == {"12": 5}
    loaded = (await DatabasePersistence(factory).get_user_data())[7]
    assert isinstance(loaded, UserData) and loaded.form == live.form and loaded.saved_lines == {"12": 5}


async def test_a_form_written_by_the_untyped_code_resumes_typed(factory: SessionFactory, session: Session) -> None:
    state_store.upsert(session, kind="user_data", name="", key=json.dumps(9), data={"log": OLD_SHAPE})
    loaded = (await DatabasePersistence(factory).get_user_data())[9]
    assert loaded.form is not None and loaded.form.draft is not None and loaded.form.draft.quantity == "500"
