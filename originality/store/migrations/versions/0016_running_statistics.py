"""running statistics per project: groups, feature counts, near-duplicate keys

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 00:10:00

Entries archived before this revision are not counted (``stats_group`` NULL) and the projects
have no ``project_statistics`` row: the first check or entry of such a project builds its
statistics from the stored units, in one transaction (``archive/stats.py``, ``ensure``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('archive_entries') as batch:
        batch.add_column(sa.Column('stats_group', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('long_sketch', sa.LargeBinary(), nullable=True))
        batch.create_index(batch.f('ix_archive_entries_stats_group'), ['stats_group'], unique=False)
    op.create_table('project_statistics',
    sa.Column('project_id', sa.String(length=200), nullable=False),
    sa.Column('groups', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('project_id')
    )
    op.create_table('feature_counts',
    sa.Column('project_id', sa.String(length=200), nullable=False),
    sa.Column('space', sa.Integer(), nullable=False),
    sa.Column('feature', sa.BigInteger(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('project_id', 'space', 'feature'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('feature_counts') as batch:
        batch.create_index('ix_feature_counts_n', ['project_id', 'space', 'n'], unique=False)
    op.create_table('near_duplicate_keys',
    sa.Column('project_id', sa.String(length=200), nullable=False),
    sa.Column('key', sa.BigInteger(), nullable=False),
    sa.Column('submission_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ),
    sa.PrimaryKeyConstraint('project_id', 'key', 'submission_id'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('near_duplicate_keys') as batch:
        batch.create_index(batch.f('ix_near_duplicate_keys_submission_id'), ['submission_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('near_duplicate_keys') as batch:
        batch.drop_index(batch.f('ix_near_duplicate_keys_submission_id'))
    op.drop_table('near_duplicate_keys')
    with op.batch_alter_table('feature_counts') as batch:
        batch.drop_index('ix_feature_counts_n')
    op.drop_table('feature_counts')
    op.drop_table('project_statistics')
    with op.batch_alter_table('archive_entries') as batch:
        batch.drop_index(batch.f('ix_archive_entries_stats_group'))
        batch.drop_column('long_sketch')
        batch.drop_column('stats_group')
