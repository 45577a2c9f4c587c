"""device logins ("onthoud mij op dit apparaat"), chat tokens ended by a logout, and how
an anonymous asker's answer reaches them (an e-mail address, a code)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_email", sa.String(200), nullable=True))
        batch_op.add_column(sa.Column("return_code_hash", sa.String(64), nullable=True))
        batch_op.add_column(
            sa.Column("return_tries", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "device_logins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "student",
                "guardian",
                name="person_role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.Column("guardian_id", sa.Integer(), nullable=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("previous_hash", sa.String(64), nullable=True),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("token_proof", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(role = 'student' AND student_id IS NOT NULL AND guardian_id IS NULL)"
            " OR (role = 'guardian' AND guardian_id IS NOT NULL AND student_id IS NULL)",
            name=op.f("ck_device_logins_role_matches_person"),
        ),
        sa.ForeignKeyConstraint(
            ["guardian_id"], ["guardians.id"], name=op.f("fk_device_logins_guardian_id_guardians")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"], name=op.f("fk_device_logins_student_id_students")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_logins")),
    )
    op.create_index(op.f("ix_device_logins_student_id"), "device_logins", ["student_id"])
    op.create_index(op.f("ix_device_logins_guardian_id"), "device_logins", ["guardian_id"])
    op.create_index(op.f("ix_device_logins_token_proof"), "device_logins", ["token_proof"])
    op.create_table(
        "ended_chat_tokens",
        sa.Column("token_proof", sa.String(64), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_proof", name=op.f("pk_ended_chat_tokens")),
    )


def downgrade() -> None:
    op.drop_table("ended_chat_tokens")
    op.drop_index(op.f("ix_device_logins_token_proof"), table_name="device_logins")
    op.drop_index(op.f("ix_device_logins_guardian_id"), table_name="device_logins")
    op.drop_index(op.f("ix_device_logins_student_id"), table_name="device_logins")
    op.drop_table("device_logins")
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.drop_column("return_tries")
        batch_op.drop_column("return_code_hash")
        batch_op.drop_column("contact_email")
