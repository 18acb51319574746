"""DatabasePersistence against the test database (SQLite or PostgreSQL, like the rest of the suite)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import Session, select
from telegram.ext import ConversationHandler

from bot.persistence import DatabasePersistence
from db import state_store
from db.models import BotState
from db.session import SessionFactory, make_engine


@pytest.fixture
def factory(database_url: str) -> Iterator[SessionFactory]:
    engine = make_engine(database_url)
    yield SessionFactory(engine)
    engine.dispose()


def rows(session: Session, kind: str) -> dict[str, Any]:
    session.expire_all()
    return {row.key: row.data for row in session.exec(select(BotState).where(BotState.kind == kind)).all()}


async def loaded(factory: SessionFactory) -> DatabasePersistence:
    """A fresh persistence that has loaded what is stored, as Application.initialize does."""
    persistence = DatabasePersistence(factory)
    await persistence.get_user_data()
    await persistence.get_chat_data()
    return persistence


async def test_user_and_chat_data_round_trip(factory: SessionFactory, session: Session) -> None:
    first = await loaded(factory)
    assert await first.get_user_data() == {}
    await first.update_user_data(101, {"invite": {"role": "reporter", "unit_id": 7}, "note": "xã Ia Rsai"})
    await first.update_chat_data(-500, {"lang": "vi", "pages": [1, 2]})
    assert rows(session, "user_data") == {"101": {"invite": {"role": "reporter", "unit_id": 7},
                                                  "note": "xã Ia Rsai"}}
    assert rows(session, "chat_data") == {"-500": {"lang": "vi", "pages": [1, 2]}}

    second = DatabasePersistence(factory)  # a restart, or a second process on the same database
    assert await second.get_user_data() == {101: {"invite": {"role": "reporter", "unit_id": 7},
                                                  "note": "xã Ia Rsai"}}
    assert await second.get_chat_data() == {-500: {"lang": "vi", "pages": [1, 2]}}


async def test_top_level_integer_keys_come_back_as_integers(factory: SessionFactory) -> None:
    first = await loaded(factory)
    await first.update_user_data(1, {5: "five", "-3": "minus three", "007": "bond", "x": 1})
    assert await DatabasePersistence(factory).get_user_data() == {
        1: {5: "five", -3: "minus three", "007": "bond", "x": 1}}


async def test_returned_data_is_a_copy(factory: SessionFactory) -> None:
    persistence = await loaded(factory)
    await persistence.update_user_data(1, {"a": [1]})
    data = await DatabasePersistence(factory).get_user_data()
    data[1]["a"].append(2)
    assert await DatabasePersistence(factory).get_user_data() == {1: {"a": [1]}}


async def test_only_changed_values_are_written(factory: SessionFactory, session: Session,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    writes: list[tuple[str, str, Any]] = []
    real_upsert = state_store.upsert

    def counting_upsert(db: Session, *, kind: str, name: str, key: str, data: Any) -> None:
        writes.append((kind, key, data))
        real_upsert(db, kind=kind, name=name, key=key, data=data)

    monkeypatch.setattr(state_store, "upsert", counting_upsert)
    persistence = await loaded(factory)
    live = {"step": 1}
    await persistence.update_user_data(7, live)
    await persistence.update_user_data(7, {"step": 1})
    live["step"] = 1  # mutating the caller's dict without a change is not a change either
    await persistence.update_user_data(7, live)
    assert len(writes) == 1
    live["step"] = 2  # the cache is a copy, so an in-place change is seen
    await persistence.update_user_data(7, live)
    assert writes[-1] == ("user_data", "7", {"step": 2})
    assert len(writes) == 2

    await persistence.get_conversations("invite")
    await persistence.update_conversation("invite", (7, 7), 1)
    await persistence.update_conversation("invite", (7, 7), 1)
    assert len(writes) == 3

    restarted = await loaded(factory)  # values loaded from the database count as already written
    await restarted.get_conversations("invite")
    await restarted.update_user_data(7, {"step": 2})
    await restarted.update_conversation("invite", (7, 7), 1)
    assert len(writes) == 3


async def test_conversations_with_tuple_keys_and_end(factory: SessionFactory, session: Session) -> None:
    first = DatabasePersistence(factory)
    assert await first.get_conversations("invite") == {}
    await first.update_conversation("invite", (123, 456), 0)
    await first.update_conversation("invite", (123, 789), 2)
    await first.update_conversation("invite", (123, 456), 1)
    await first.update_conversation("other", (123, 456), "ASKING")
    stored = {(row.name, row.key): row.data for row in session.exec(
        select(BotState).where(BotState.kind == "conversation")).all()}
    assert stored == {("invite", "[123, 456]"): 1, ("invite", "[123, 789]"): 2, ("other", "[123, 456]"): "ASKING"}

    second = DatabasePersistence(factory)
    assert await second.get_conversations("invite") == {(123, 456): 1, (123, 789): 2}
    assert await second.get_conversations("other") == {(123, 456): "ASKING"}
    assert await second.get_conversations("unknown") == {}

    await second.update_conversation("invite", (123, 456), None)  # ConversationHandler.END → row deleted
    await second.update_conversation("invite", (999, 999), None)  # never stored: nothing to do
    assert ConversationHandler.END == -1
    assert await DatabasePersistence(factory).get_conversations("invite") == {(123, 789): 2}


async def test_drop_user_and_chat_data(factory: SessionFactory, session: Session) -> None:
    persistence = await loaded(factory)
    await persistence.update_user_data(1, {"a": 1})
    await persistence.update_user_data(2, {"b": 2})
    await persistence.update_chat_data(1, {"c": 3})
    await persistence.drop_user_data(1)
    await persistence.drop_user_data(42)  # unknown ids are fine
    await persistence.drop_chat_data(1)
    assert rows(session, "user_data") == {"2": {"b": 2}}
    assert rows(session, "chat_data") == {}
    # after a drop, the same value is new again and is written
    await persistence.update_user_data(1, {"a": 1})
    assert await DatabasePersistence(factory).get_user_data() == {1: {"a": 1}, 2: {"b": 2}}


async def test_non_json_data_is_refused_with_a_clear_error(factory: SessionFactory, session: Session) -> None:
    persistence = await loaded(factory)
    with pytest.raises(TypeError, match="Decimal"):
        await persistence.update_user_data(1, {"quantity": Decimal("1.5")})
    with pytest.raises(TypeError, match="int or a str"):
        await persistence.update_conversation("invite", (1, 1), object())
    assert rows(session, "user_data") == {}
    await persistence.update_user_data(1, {"quantity": "1.5"})  # as callers must store it
    assert rows(session, "user_data") == {"1": {"quantity": "1.5"}}


async def test_bot_data_and_callback_data_are_off_but_work(factory: SessionFactory) -> None:
    persistence = DatabasePersistence(factory)
    assert not persistence.store_data.bot_data and not persistence.store_data.callback_data
    assert persistence.store_data.user_data and persistence.store_data.chat_data
    assert await persistence.get_bot_data() == {}
    assert await persistence.get_callback_data() is None
    await persistence.update_bot_data({"x": 1})
    await persistence.update_callback_data(([("uuid", 1.5, {"btn": "data"})], {"msg": "uuid"}))
    other = DatabasePersistence(factory)
    assert await other.get_bot_data() == {"x": 1}
    assert await other.get_callback_data() == ([("uuid", 1.5, {"btn": "data"})], {"msg": "uuid"})
    # no-ops, present because BasePersistence requires them
    await other.refresh_user_data(1, {})
    await other.refresh_chat_data(1, {})
    await other.refresh_bot_data({})
    await other.flush()


def test_upsert_replaces_in_place_and_stamps_the_time(session: Session) -> None:
    state_store.upsert(session, kind="user_data", name="", key=json.dumps(5), data={"v": 1})
    state_store.upsert(session, kind="user_data", name="", key=json.dumps(5), data={"v": 2})
    session.expire_all()
    stored = session.exec(select(BotState).where(BotState.kind == "user_data")).all()
    assert [(row.key, row.data) for row in stored] == [("5", {"v": 2})]
    assert stored[0].updated_at is not None
    if stored[0].updated_at.tzinfo is not None:  # SQLite hands back naive UTC
        assert stored[0].updated_at.utcoffset() == UTC.utcoffset(None)
    assert state_store.load_all(session, kind="user_data") == {"5": {"v": 2}}
    state_store.delete(session, kind="user_data", key="5")
    assert state_store.load_all(session, kind="user_data") == {}
    with pytest.raises(ValueError, match="unknown"):
        state_store.load_all(session, kind="nonsense")


async def test_application_writes_a_state_change_at_update_persistence(factory: SessionFactory,
                                                                         session: Session) -> None:
    """Without any shutdown: the periodic `update_persistence` (every `update_interval`) writes it."""
    from telegram.ext import ApplicationBuilder

    persistence = DatabasePersistence(factory, update_interval=1.0)
    assert persistence.update_interval == 1.0
    application = ApplicationBuilder().token("123:TEST").persistence(persistence).build()
    # What PTB does while handling an update for user 77 (without talking to Telegram).
    await application._initialize_persistence()
    application.user_data[77]["invite"] = {"role": "reporter"}
    application.mark_data_for_update_persistence(user_ids=77)
    assert rows(session, "user_data") == {}
    await application.update_persistence()
    assert rows(session, "user_data") == {"77": {"invite": {"role": "reporter"}}}


async def test_a_form_step_writes_draft_and_state_together_or_not_at_all(
        factory: SessionFactory, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    persistence = await loaded(factory)
    await persistence.get_conversations("log")
    step = {"user_id": 7, "user_data": {"log": {"plan": ["households"]}}, "chat_id": None, "chat_data": None,
            "conversation": ("log", (7, 7), "ask")}
    real_commit, real_write = Session.commit, state_store.write_together
    calls = {"commits": 0, "writes": 0}

    def first_commit_fails(db: Session) -> None:  # both rows were sent; the transaction then fails
        calls["commits"] += 1
        if calls["commits"] == 1:
            raise RuntimeError("the server went away")
        real_commit(db)

    def counted_write(db: Session, **kwargs: Any) -> None:
        calls["writes"] += 1
        real_write(db, **kwargs)

    monkeypatch.setattr(Session, "commit", first_commit_fails)
    monkeypatch.setattr(state_store, "write_together", counted_write)
    with pytest.raises(RuntimeError):
        await persistence.write_step(**step)  # type: ignore[arg-type]
    assert rows(session, "user_data") == {} and rows(session, "conversation") == {}  # the draft was rolled back
    assert persistence.last_written_user_data(7) == {}

    await persistence.write_step(**step)  # type: ignore[arg-type]  # retried: both, in one transaction
    assert rows(session, "user_data") == {"7": {"log": {"plan": ["households"]}}}
    assert rows(session, "conversation") == {json.dumps([7, 7]): "ask"}
    written = calls["writes"]
    await persistence.update_conversation("log", (7, 7), "ask")  # PTB's later write finds nothing new
    await persistence.update_user_data(7, {"log": {"plan": ["households"]}})
    assert calls["writes"] == written

    await persistence.write_step(user_id=7, user_data={}, chat_id=None, chat_data=None,
                                 conversation=("log", (7, 7), None))  # the form closed: state row deleted
    assert rows(session, "conversation") == {} and rows(session, "user_data") == {"7": {}}
    assert await DatabasePersistence(factory).get_conversations("log") == {}


async def test_a_form_step_is_written_with_the_updates_own_session(factory: SessionFactory, session: Session) -> None:
    """Inside an update the step goes through the update's session (ChungTayApplication.checkpoint): no
    second session, no worker thread; what the update had pending is committed with it."""
    persistence = await loaded(factory)
    await persistence.get_conversations("log")
    opened = {"n": 0}
    real_factory = persistence._session_factory

    def counting_factory() -> Session:
        opened["n"] += 1
        return real_factory()

    persistence._session_factory = counting_factory  # type: ignore[assignment]
    with factory() as update_session:
        update_session.add(BotState(kind="chat_data", name="", key="5", data={"pending": True}))
        await persistence.write_step(user_id=8, user_data={"log": {"draft": {}}}, chat_id=None, chat_data=None,
                                     conversation=("log", (8, 8), "card"), session=update_session)
    assert opened["n"] == 0
    assert rows(session, "user_data") == {"8": {"log": {"draft": {}}}}
    assert rows(session, "conversation") == {json.dumps([8, 8]): "card"}
    assert rows(session, "chat_data") == {"5": {"pending": True}}
