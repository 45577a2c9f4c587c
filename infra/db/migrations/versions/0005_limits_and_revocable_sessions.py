"""limits where attackers aim: code tries and handoffs per client address, inbox
login tries, inbox sessions that end at logout

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("link_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_key", sa.String(64), nullable=True))
        batch_op.create_index(batch_op.f("ix_link_attempts_client_key"), ["client_key"])
        batch_op.create_index(batch_op.f("ix_link_attempts_attempted_at"), ["attempted_at"])
    with op.batch_alter_table("coordinators", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_key", sa.String(64), nullable=True))
        batch_op.create_index(batch_op.f("ix_handoffs_client_key"), ["client_key"])
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_key", sa.String(64), nullable=False),
        sa.Column("client_key", sa.String(64), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    op.create_index(op.f("ix_login_attempts_account_key"), "login_attempts", ["account_key"])
    op.create_index(op.f("ix_login_attempts_client_key"), "login_attempts", ["client_key"])


def downgrade() -> None:
    op.drop_index(op.f("ix_login_attempts_client_key"), table_name="login_attempts")
    op.drop_index(op.f("ix_login_attempts_account_key"), table_name="login_attempts")
    op.drop_table("login_attempts")
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handoffs_client_key"))
        batch_op.drop_column("client_key")
    with op.batch_alter_table("coordinators", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
    with op.batch_alter_table("link_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_attempts_attempted_at"))
        batch_op.drop_index(batch_op.f("ix_link_attempts_client_key"))
        batch_op.drop_column("client_key")
