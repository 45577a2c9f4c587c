"""What a school lets a guardian see, and a grown-up student's consent; changes are audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.audit import record_change
from bot.db.models import GuardianStudent, Student

# Command-line names of the per-child permissions -> columns of guardian_students.
GUARDIAN_PERMISSIONS = {
    "progress": "may_see_progress",
    "notes": "may_see_checkin_notes",
    "exams": "may_see_exams",
}


@dataclass(frozen=True)
class PermissionState:
    progress: bool
    notes: bool
    exams: bool
    student_consents: bool


def _state(relation: GuardianStudent) -> PermissionState:
    return PermissionState(
        progress=relation.may_see_progress,
        notes=relation.may_see_checkin_notes,
        exams=relation.may_see_exams,
        student_consents=relation.student.consents_to_guardian_access,
    )


def set_guardian_permissions(
    session: Session, guardian_id: int, student_id: int, changes: dict[str, bool], *, actor: str
) -> PermissionState:
    """Changes what this guardian may see of this child. LookupError when not related."""
    unknown = set(changes) - set(GUARDIAN_PERMISSIONS)
    if unknown:
        raise ValueError(f"unknown permissions: {', '.join(sorted(unknown))}")
    relation = session.get(GuardianStudent, (guardian_id, student_id))
    if relation is None:
        raise LookupError("this guardian is not linked to this student")
    for name, allowed in sorted(changes.items()):
        setattr(relation, GUARDIAN_PERMISSIONS[name], allowed)
    if changes:
        record_change(
            session,
            actor_type="school",
            actor_id=actor,
            action="guardian_permissions",
            subject_type="student",
            subject_id=student_id,
            detail=f"guardian {guardian_id}: "
            + ", ".join(f"{name}={'on' if on else 'off'}" for name, on in sorted(changes.items())),
        )
    session.flush()
    return _state(relation)


def set_student_consent(session: Session, student_id: int, consents: bool, *, actor: str) -> None:
    """Records whether a student of 18 or older lets their guardians see their data."""
    student = session.get(Student, student_id)
    if student is None:
        raise LookupError("no such student")
    student.consents_to_guardian_access = consents
    record_change(
        session,
        actor_type="school",
        actor_id=actor,
        action="guardian_consent",
        subject_type="student",
        subject_id=student_id,
        detail=f"consent={'on' if consents else 'off'}",
    )
    session.flush()
