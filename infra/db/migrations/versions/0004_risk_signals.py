"""risk signals from any message: every kind of risk, anonymous flags, how it was found

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OLD_KINDS = ("low_motivation", "goal_stuck", "quitting", "distress")
NEW_KINDS = (
    "acute",
    "unsafe_home",
    "distress",
    "worthless",
    "bullying",
    "exhaustion",
    "pressure",
    "absence",
    "quitting",
    "low_motivation",
    "goal_stuck",
)


def _in(kinds: tuple[str, ...]) -> str:
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def upgrade() -> None:
    with op.batch_alter_table("risk_flags", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_risk_flags_risk_kind"), type_="check")
        batch_op.create_check_constraint("risk_kind", _in(NEW_KINDS))
        batch_op.alter_column("student_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("guardian_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("evidence", sa.String(length=200), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_risk_flags_guardian_id_guardians"), "guardians", ["guardian_id"], ["id"]
        )
        batch_op.create_index(
            batch_op.f("ix_risk_flags_conversation_id"), ["conversation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("risk_flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_flags_conversation_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_risk_flags_guardian_id_guardians"), type_="foreignkey"
        )
        batch_op.drop_column("evidence")
        batch_op.drop_column("source")
        batch_op.drop_column("guardian_id")
        batch_op.alter_column("student_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(batch_op.f("ck_risk_flags_risk_kind"), type_="check")
        batch_op.create_check_constraint("risk_kind", _in(OLD_KINDS))
