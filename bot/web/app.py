"""The dashboard's routes: the page, its static files and a small JSON API.

Every API request carries Telegram's `initData` in the `X-Telegram-Init-Data` header; there is no
cookie or session. `_answer` checks it (bot/web/initdata.py), finds the active supervisor or
administrator it belongs to (`dashboard.viewer_for`), and runs ONE service call in a worker thread
with its own database session (services are synchronous; the bot's loop keeps answering chats).
Refusals are JSON with a reason and a sentence in the viewer's language.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlmodel import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.domain.dashboard import actions as dashboard_actions
from bot.domain.dashboard import views as dashboard
from bot.domain.dashboard.views import DashboardRefused
from bot.domain.outbox import file_links
from bot.domain.records.action_text import Localised
from bot.i18n import get_translator
from bot.outbox_sender import notify_outbox
from bot.web.initdata import InvalidInitData, validate
from bot.web.strings import page_strings
from db.models import User

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
HEADER = "X-Telegram-Init-Data"
STATUS = {"unregistered": 403, "role": 403, "unit": 403, "input": 400, "chart": 503}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors https://web.telegram.org https://*.telegram.org 'self'",
    "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
}

Work = Callable[[Session, User, Localised], Any]


def _json(body: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=SECURITY_HEADERS)


def create_app(application: Any) -> Starlette:
    """The Starlette app for one running Application (its runtime, bot token and outbox)."""
    runtime = application.runtime
    settings = runtime.settings

    def names_of(user: User) -> Localised:
        return Localised(runtime.catalogue, get_translator(user.locale))

    async def _answer(request: Request, work: Work, *, audit_refusal: bool = False) -> JSONResponse:
        try:
            web_user = validate(request.headers.get(HEADER, ""), token=settings.telegram_bot_token,
                                now=runtime.clock())
        except InvalidInitData as invalid:
            log.info("dashboard request refused: initData %s", invalid.reason)
            return _json({"error": "init_data", "reason": invalid.reason}, 401)

        def run() -> tuple[int, Any]:
            with runtime.session_factory() as session:
                try:
                    user = dashboard.viewer_for(session, telegram_id=web_user.telegram_id)
                except DashboardRefused as refused:
                    t = get_translator(web_user.language_code or settings.default_locale)
                    return 403, {"error": refused.reason, "message": page_strings(t)["refused"]}
                try:
                    return 200, work(session, user, names_of(user))
                except DashboardRefused as refused:
                    session.rollback()
                    log.info("dashboard request refused for user %s: %s", user.id, refused.reason)
                    status = 409 if refused.reason.startswith("question:") else STATUS.get(refused.reason, 403)
                    return status, {"error": refused.reason}

        status, body = await asyncio.to_thread(run)
        return _json(body, status)

    def _today() -> Any:
        return runtime.clock().astimezone(settings.tz).date()

    def _int(value: Any) -> int | None:
        try:
            return int(value) if value not in (None, "") else None
        except (TypeError, ValueError):
            raise DashboardRefused("input") from None

    async def _body(request: Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}

    async def session_route(request: Request) -> Response:
        def work(session: Session, user: User, names: Localised) -> Any:
            return {**dashboard.overview(session, names=names, user=user, today=_today()),
                    "strings": page_strings(names.t)}
        return await _answer(request, work)

    async def reporting_route(request: Request) -> Response:
        unit = request.query_params.get("unit")
        return await _answer(request, lambda session, user, names: dashboard.reporting_page(
            session, names=names, user=user, unit_id=_int(unit), tz=settings.tz, today=_today()))

    async def figures_route(request: Request) -> Response:
        q = request.query_params
        return await _answer(request, lambda session, user, names: dashboard.figures_page(
            session, names=names, user=user, unit_id=_int(q.get("unit")), period_code=q.get("period"),
            organisation_code=q.get("org") or None, category_code=q.get("cat") or None, today=_today()))

    async def check_route(request: Request) -> Response:
        unit = request.query_params.get("unit")
        return await _answer(request, lambda session, user, names: dashboard_actions.to_check(
            session, names=names, user=user, unit_id=_int(unit), tz=settings.tz))

    async def record_route(request: Request) -> Response:
        action_id = request.path_params["action_id"]
        return await _answer(request, lambda session, user, names: dashboard_actions.record_view(
            session, names=names, user=user, action_id=action_id, tz=settings.tz))

    async def nudge_route(request: Request) -> Response:
        body = await _body(request)
        response = await _answer(request, lambda session, user, names: {"result": dashboard_actions.nudge(
            session, user=user, period_id=_int(body.get("period_id")) or 0, unit_id=_int(body.get("unit_id")) or 0,
            now=runtime.clock(), tz=settings.tz)})
        _wake_outbox(application)
        return response

    async def question_route(request: Request) -> Response:
        body = await _body(request)
        response = await _answer(request, lambda session, user, names: {"question_id": dashboard_actions.ask_again(
            session, user=user, action_id=_int(body.get("action_id")) or 0, text=str(body.get("text") or ""),
            now=runtime.clock(), names=names)})
        _wake_outbox(application)
        return response

    async def file_route(request: Request) -> Response:
        body = await _body(request)
        response = await _answer(request, lambda session, user, names: {"filename": dashboard_actions.send_file(
            session, kind=str(body.get("kind") or ""), names=names, user_id=user.id or 0,
            unit_id=_int(body.get("unit_id")) or user.unit_id, period_code=str(body.get("period") or "m0"),
            tz=settings.tz, now=runtime.clock())})
        _wake_outbox(application)
        return response

    async def file_link_route(request: Request) -> Response:
        """A file kept for someone whose chat cannot carry files (bot/domain/outbox/file_links.py); the
        token is the only key, so an unknown and an expired one look the same."""
        token = request.path_params["token"]

        def run() -> tuple[str, str, bytes] | None:
            with runtime.session_factory() as session:
                link = file_links.open_link(session, token=token, now=runtime.clock())
                return None if link is None else (link.filename, link.mime_type, link.payload)

        found = await asyncio.to_thread(run)
        if found is None:
            return Response("This link is unknown or has expired.", status_code=404, media_type="text/plain",
                            headers=SECURITY_HEADERS)
        filename, mime_type, payload = found
        disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
        return Response(payload, media_type=mime_type,
                        headers={**SECURITY_HEADERS, "Content-Disposition": disposition})

    async def index(_request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers=SECURITY_HEADERS)

    routes = [
        Route("/", index),
        Route("/api/session", session_route),
        Route("/api/reporting", reporting_route),
        Route("/api/figures", figures_route),
        Route("/api/check", check_route),
        Route("/api/record/{action_id:int}", record_route),
        Route("/api/nudge", nudge_route, methods=["POST"]),
        Route("/api/question", question_route, methods=["POST"]),
        Route("/api/file", file_route, methods=["POST"]),
        Route("/files/{token}", file_link_route),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    return Starlette(routes=routes)


def _wake_outbox(application: Any) -> None:
    notify_outbox(application)
