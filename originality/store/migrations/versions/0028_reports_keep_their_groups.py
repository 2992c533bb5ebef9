"""a report keeps the number of groups it was scored among, so those scored too early are found

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 09:40:00

A report of a young project was scored among few independent submissions: no common code and no
background under ``options.COMMON_MIN_SUBMISSIONS`` groups, common code that still moves under
``cohort.SETTLED_GROUPS``. Such a report is scored again as the project grows
(``originality/archive/rescoring.py``), found by ``reports.groups`` (indexed), filled here from
the reports' JSON (their ``groups`` key); a report stored before that key existed has none and
is left as it is. ``reports.rescore_queued_at`` says when a check queued its scoring again, so
that the checks after it do not queue it too; ``project_statistics.settle_at`` when a project
with no new upload since is quiet, and its reports scored among 10% fewer are scored again.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

BATCH = 200
reports = sa.table('reports', sa.column('submission_id'), sa.column('body'), sa.column('groups'))


def upgrade() -> None:
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('groups', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rescore_queued_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_reports_groups', ['groups'], unique=False)
    with op.batch_alter_table('project_statistics', schema=None) as batch_op:
        batch_op.add_column(sa.Column('settle_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_project_statistics_settle_at', ['settle_at'], unique=False)
    _fill()


def _fill() -> None:
    """Each report's groups, from its JSON, a batch of reports at a time (by submission id)."""
    bind = op.get_bind()
    update = (reports.update().where(reports.c.submission_id == sa.bindparam('report_of'))
              .values(groups=sa.bindparam('scored_among')))
    after = ''
    while True:
        batch = bind.execute(sa.select(reports.c.submission_id, reports.c.body)
                             .where(reports.c.submission_id > after)
                             .order_by(reports.c.submission_id).limit(BATCH)).all()
        if not batch:
            return
        found = ((sid, json.loads(body).get('groups')) for sid, body in batch)
        rows = [{'report_of': sid, 'scored_among': groups} for sid, groups in found if groups is not None]
        if rows:
            bind.execute(update, rows)
        after = batch[-1][0]


def downgrade() -> None:
    with op.batch_alter_table('project_statistics', schema=None) as batch_op:
        batch_op.drop_index('ix_project_statistics_settle_at')
        batch_op.drop_column('settle_at')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_groups')
        batch_op.drop_column('rescore_queued_at')
        batch_op.drop_column('groups')
