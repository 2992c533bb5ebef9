"""a check finds its project's uncounted entries on an index, not by reading every entry

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 12:00:00

Each check asks whether its project has entries its running statistics have not counted
(``archive/stats.py``, ``needs_counting``): ``project_id = ? AND stats_group IS NULL``. On the
index of ``project_id`` alone SQLite read every entry of the project, 14.6 ms a check at 19,990
entries, linear in them (SQLite chooses that index when it has no statistics, and it has none
unless ``ANALYZE`` runs, which the product never runs); on an index of both columns it reads the
uncounted entries alone, 4 microseconds (docs/benchmarks.md, "A check's cost that grows with the
archive").
"""

from __future__ import annotations

from alembic import op


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('archive_entries', schema=None) as batch_op:
        batch_op.create_index('ix_archive_entries_uncounted', ['project_id', 'stats_group'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('archive_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_archive_entries_uncounted')
