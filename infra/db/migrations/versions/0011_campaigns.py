"""coordinator campaigns, their deliveries, and opt-outs from messages

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "recipients", _enum("campaign_recipients", "students", "guardians"), nullable=False
        ),
        sa.Column("audience", sa.Text(), nullable=False),
        sa.Column("task", _enum("campaign_task", "none", "confirm", "check_in"), nullable=False),
        sa.Column("task_button", sa.String(100), nullable=True),
        sa.Column("task_key", sa.String(64), nullable=False),
        sa.Column("calendar_key", sa.String(64), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("repeat_days", sa.Integer(), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("held_opted_out", sa.Integer(), nullable=False),
        sa.Column("held_by_cap", sa.Integer(), nullable=False),
        sa.Column(
            "status", _enum("campaign_status", "scheduled", "stopped", "done"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_campaigns_region_id_regions")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_campaigns_school_id_schools")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["coordinators.id"],
            name=op.f("fk_campaigns_created_by_id_coordinators"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_index(op.f("ix_campaigns_region_id"), "campaigns", ["region_id"])
    op.create_index(op.f("ix_campaigns_task_key"), "campaigns", ["task_key"])
    op.create_index(op.f("ix_campaigns_next_run_at"), "campaigns", ["next_run_at"])
    op.create_table(
        "campaign_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("run", sa.Integer(), nullable=False),
        sa.Column("recipient_key", sa.String(64), nullable=False),
        sa.Column("role", _enum("person_role", "student", "guardian"), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.Column("guardian_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mailed", sa.Boolean(), nullable=False),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shown_in_conversation_id", sa.String(255), nullable=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("task_done_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(role = 'student' AND student_id IS NOT NULL AND guardian_id IS NULL)"
            " OR (role = 'guardian' AND guardian_id IS NOT NULL AND student_id IS NULL)",
            name=op.f("ck_campaign_deliveries_role_matches_person"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_deliveries_campaign_id_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_campaign_deliveries_student_id_students"),
        ),
        sa.ForeignKeyConstraint(
            ["guardian_id"],
            ["guardians.id"],
            name=op.f("fk_campaign_deliveries_guardian_id_guardians"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_deliveries")),
        sa.UniqueConstraint(
            "campaign_id", "run", "recipient_key", name="uq_campaign_deliveries_run"
        ),
    )
    for column in ("campaign_id", "recipient_key", "student_id", "guardian_id"):
        op.create_index(op.f(f"ix_campaign_deliveries_{column}"), "campaign_deliveries", [column])
    op.create_table(
        "message_opt_outs",
        sa.Column("recipient_key", sa.String(64), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("recipient_key", name=op.f("pk_message_opt_outs")),
    )


def downgrade() -> None:
    op.drop_table("message_opt_outs")
    op.drop_table("campaign_deliveries")
    op.drop_table("campaigns")
