"""check-ins: goal codes, phase start, idempotent check-ins, nudges, risk flags

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:37:41.373074
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "nudges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shown_in_conversation_id", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["interim_goals.id"], name=op.f("fk_nudges_goal_id_interim_goals")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_nudges_student_id_students")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudges")),
    )
    with op.batch_alter_table("nudges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nudges_student_id"), ["student_id"], unique=False)

    op.create_table(
        "risk_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("check_in_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "low_motivation",
                "goal_stuck",
                "quitting",
                "distress",
                name="risk_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "priority",
            sa.Enum(
                "normal",
                "urgent",
                name="risk_priority",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("conversation_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["check_in_id"], ["check_ins.id"], name=op.f("fk_risk_flags_check_in_id_check_ins")
        ),
        sa.ForeignKeyConstraint(
            ["handoff_id"], ["handoffs.id"], name=op.f("fk_risk_flags_handoff_id_handoffs")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_risk_flags_student_id_students")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_flags")),
    )
    with op.batch_alter_table("risk_flags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_flags_student_id"), ["student_id"], unique=False)

    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_check_ins_created_at"), ["created_at"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_check_ins_idempotency_key"), ["idempotency_key"]
        )

    with op.batch_alter_table("interim_goals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_interim_goals_code"), ["code"])

    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phase_started_on", sa.Date(), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.drop_column("phase_started_on")

    with op.batch_alter_table("interim_goals", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_interim_goals_code"), type_="unique")
        batch_op.drop_column("code")

    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_check_ins_idempotency_key"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_check_ins_created_at"))
        batch_op.drop_column("idempotency_key")

    with op.batch_alter_table("risk_flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_flags_student_id"))

    op.drop_table("risk_flags")
    with op.batch_alter_table("nudges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nudges_student_id"))

    op.drop_table("nudges")
