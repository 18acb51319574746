"""The per-update context every handler receives: session, current user and their translator.

PTB builds one context per update and shares it between handler groups, so what we cache on it
(the user row, the translator) is looked up once per update. The database session is opened lazily
by `ChungTayApplication.process_update` (one unit of work per update) and closed after it.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlmodel import Session
from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.domain.people.directory import viewer_and_unit
from bot.i18n import Translator, get_translator, locale_from_telegram
from db.models import User
from handlers.user_data import UserData

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from handlers.app_services import AppServices


class SessionHolder:
    """Opens the update's session on first use, so updates that need no database cost nothing."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._session: Session | None = None

    def get(self) -> Session:
        if self._session is None:
            self._session = self._runtime.session_factory()
        return self._session

    def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            try:
                session.close()
            except Exception as exc:  # a connection lost during an outage; the pool replaces it
                log.warning("closing the update's session failed: %s", type(exc).__name__)


CURRENT_SESSION: ContextVar[SessionHolder | None] = ContextVar("chungtay_session", default=None)
_UNSET: Any = object()


class ChungTayContext(CallbackContext[ExtBot[None], UserData, dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with `session`, `db_user`, `t` (gettext), `locale` and `user_state` (the typed
    user_data). Built by PTB for every update: `ContextTypes(context=ChungTayContext, user_data=UserData)`
    in bot/app.py."""

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any],
                 chat_id: int | None = None, user_id: int | None = None) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self._db_user: Any = _UNSET
        self._db_unit: Any = None  # the user's unit, held so the session's identity map keeps it
        self._translator: Translator | None = None
        self._telegram_language: str | None = None

    @property
    def app(self) -> AppServices:
        return self.application  # type: ignore[return-value]

    @property
    def takes_attachments(self) -> bool:
        """The chat can send photos and locations (screens offer them only then)."""
        return self.app.takes_attachments(self._chat_id)

    @property
    def user_state(self) -> UserData:
        """The user's data between updates, typed (bot/persistence.py keeps it). Only for updates from a
        user: PTB gives `user_data` None otherwise, and a handler asking then is a programming error."""
        data = self.user_data
        if data is None:
            raise RuntimeError("this update has no user, so no user data")
        return data

    @property
    def runtime(self) -> Runtime:
        return self.app.runtime

    @property
    def session(self) -> Session:
        holder = CURRENT_SESSION.get()
        if holder is None:
            raise RuntimeError("no unit of work: session used outside an update")
        return holder.get()

    @property
    def db_user(self) -> User | None:
        """The registered user behind this update, or None for a stranger."""
        if self._db_user is _UNSET:
            found = (viewer_and_unit(self.session, telegram_id=self._user_id)
                     if self._user_id is not None else None)
            self._db_user, self._db_unit = found if found is not None else (None, None)
        return self._db_user

    @classmethod
    def from_update(cls, update: object, application: Application[Any, Any, Any, Any, Any, Any],
                    ) -> ChungTayContext:
        """PTB's constructor hook; we also note the language Telegram reports for strangers."""
        context = super().from_update(update, application)
        if isinstance(update, Update) and update.effective_user is not None:
            context._telegram_language = update.effective_user.language_code
        return context

    def database_unavailable(self) -> None:
        """The database failed during this update: stop asking it who the user is, so the language comes
        from Telegram's language_code (or the default) and answering needs no database."""
        if self._db_user is _UNSET:
            self._db_user, self._db_unit = None, None
            self._translator = None

    def forget_user(self) -> None:
        """Re-read the user (after registration or a language change) and re-pick the language."""
        self._db_user, self._db_unit = _UNSET, None
        self._translator = None

    @property
    def locale(self) -> str:
        user = self.db_user
        if user is not None:
            return user.locale
        return locale_from_telegram(self._telegram_language, self.runtime.settings.default_locale)

    @property
    def today(self) -> date:
        """Today's date where the officials are (the configured time zone), not the server's."""
        return self.runtime.today()

    @property
    def t(self) -> Translator:
        if self._translator is None or self._translator.locale != self.locale:
            self._translator = get_translator(self.locale)
        return self._translator
