"""The audit trail: one call records who did what (never household names: personal data)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from db.models import AuditEntry


def record(session: Session, *, user_id: int | None, action: str, entity: str, entity_id: int | None,
           details: dict[str, Any] | None = None) -> None:
    """Add an audit row to the caller's unit of work (committed together with the change itself)."""
    session.add(AuditEntry(user_id=user_id, action=action, entity=entity, entity_id=entity_id,
                           details=details or {}))
