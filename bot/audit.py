"""The audit log: every read or change of personal data, written in the caller's session."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.db.models import AuditEntry


def record_read(
    session: Session,
    *,
    conversation_id: str | None,
    subject_type: str,
    subject_id: int | str | None,
    what: str,
    actor_type: str = "conversation",
    actor_id: str | None = None,
) -> AuditEntry:
    return record_change(
        session,
        actor_type=actor_type,
        actor_id=actor_id if actor_id is not None else conversation_id,
        action="read",
        subject_type=subject_type,
        subject_id=subject_id,
        conversation_id=conversation_id,
        detail=what,
    )


def record_change(
    session: Session,
    *,
    actor_type: str,
    action: str,
    subject_type: str,
    subject_id: int | str | None,
    actor_id: str | None = None,
    conversation_id: str | None = None,
    detail: str = "",
) -> AuditEntry:
    """One audit entry: a read or a change of personal data, or of who may see it."""
    entry = AuditEntry(
        actor_type=actor_type,
        actor_id=actor_id,
        action=action,
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id),
        conversation_id=conversation_id,
        detail=detail,
    )
    session.add(entry)
    return entry


def record_coordinator_change(
    session: Session,
    coordinator_id: int,
    action: str,
    *,
    subject_type: str,
    subject_id: int | str | None,
    detail: str = "",
) -> AuditEntry:
    """A change a coordinator made in the inbox (a campaign, a review label)."""
    return record_change(
        session,
        actor_type="coordinator",
        actor_id=str(coordinator_id),
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
    )
