"""the database's own LSH buckets, projects' starter code, documents looked up by digest

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 10:30:00

Entries archived before this revision have no buckets yet: the SQL index finds them missing
and writes them on its next sync (or ``originality archive reindex``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lsh_buckets',
    sa.Column('project_id', sa.String(length=200), nullable=False),
    sa.Column('params', sa.String(length=12), nullable=False),
    sa.Column('bucket', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('submission_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ),
    sa.PrimaryKeyConstraint('project_id', 'params', 'bucket', 'submission_id')
    )
    with op.batch_alter_table('lsh_buckets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lsh_buckets_submission_id'), ['submission_id'], unique=False)

    op.create_table('project_starters',
    sa.Column('project_id', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('files', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=400), nullable=True),
    sa.Column('set_by', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('project_id')
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_sha256'), ['sha256'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_sha256'))

    op.drop_table('project_starters')
    with op.batch_alter_table('lsh_buckets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lsh_buckets_submission_id'))

    op.drop_table('lsh_buckets')
