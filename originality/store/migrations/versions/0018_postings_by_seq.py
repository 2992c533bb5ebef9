"""long postings name their entry by its seq

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 06:50:00

A posting row named its entry by the 32-character submission id; it now names it by the
entry's integer ``seq``, which makes a row about a third of the size (an entry posts hundreds
of them) and the bulk import's inserts cheaper (docs/benchmarks.md, "Bulk import"). The rows
are copied over, so nothing is recounted.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def _postings(key: sa.Column, reference: str) -> None:
    op.create_table('long_postings',
    sa.Column('project_id', sa.String(length=200), nullable=False),
    sa.Column('feature', sa.BigInteger(), nullable=False),
    key,
    sa.ForeignKeyConstraint([key.name], [reference], ),
    sa.PrimaryKeyConstraint('project_id', 'feature', key.name),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('long_postings') as batch:
        batch.create_index(batch.f(f'ix_long_postings_{key.name}'), [key.name], unique=False)


def upgrade() -> None:
    op.rename_table('long_postings', 'long_postings_0017')
    _postings(sa.Column('seq', sa.Integer(), nullable=False), 'archive_entries.seq')
    op.execute("INSERT INTO long_postings (project_id, feature, seq) "
               "SELECT p.project_id, p.feature, e.seq FROM long_postings_0017 p "
               "JOIN archive_entries e ON e.submission_id = p.submission_id")
    op.drop_table('long_postings_0017')


def downgrade() -> None:
    op.rename_table('long_postings', 'long_postings_0018')
    _postings(sa.Column('submission_id', sa.String(length=32), nullable=False), 'submissions.id')
    op.execute("INSERT INTO long_postings (project_id, feature, submission_id) "
               "SELECT p.project_id, p.feature, e.submission_id FROM long_postings_0018 p "
               "JOIN archive_entries e ON e.seq = p.seq")
    op.drop_table('long_postings_0018')
