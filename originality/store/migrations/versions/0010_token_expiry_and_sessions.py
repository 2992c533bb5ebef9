"""token expiry and server-side page sessions

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 21:30:00

Tokens may expire (``expires_at``, NULL for the tokens made before: they never do). Page
sessions are rows (``web_sessions``) that signing out ends; a cookie made before this revision
names no row and its holder signs in again.

When merged after 0009, ``down_revision`` becomes '0009'.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tokens') as batch:
        batch.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))
    op.create_table('web_sessions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['token_id'], ['tokens.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_hash')
    )
    op.create_index(op.f('ix_web_sessions_token_id'), 'web_sessions', ['token_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_web_sessions_token_id'), table_name='web_sessions')
    op.drop_table('web_sessions')
    with op.batch_alter_table('tokens') as batch:
        batch.drop_column('expires_at')
