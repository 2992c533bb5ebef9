"""an outbox event keeps the submission and the case it names, so erasure finds it by index

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 00:20:00

Erasing a submission (or a case) removed its outbox events by reading every event's JSON for
its id (a ``LIKE``), once per erased submission. Events are kept as long as their submissions
(five years by default), one or more an upload, so a retention run that erases a year's cohort
read the whole outbox once per submission. ``events.submission_id`` and ``events.case_id`` (the
data's own, indexed) are filled here for the events already written; a row written later by a
process still on the release before has neither, and erasure reads those rows' JSON as before.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

BATCH = 1000
events = sa.table('events', sa.column('id'), sa.column('data'), sa.column('submission_id'),
                  sa.column('case_id'))


def upgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submission_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('case_id', sa.String(length=32), nullable=True))
        batch_op.create_index('ix_events_submission_id', ['submission_id'], unique=False)
        batch_op.create_index('ix_events_case_id', ['case_id'], unique=False)
    _fill()


def _fill() -> None:
    """Each event's submission and case, from its data, a batch of events at a time (by id)."""
    bind = op.get_bind()
    update = (events.update().where(events.c.id == sa.bindparam('event_id'))
              .values(submission_id=sa.bindparam('named_submission'),
                      case_id=sa.bindparam('named_case')))
    after = ''
    while True:
        batch = bind.execute(sa.select(events.c.id, events.c.data).where(events.c.id > after)
                             .order_by(events.c.id).limit(BATCH)).all()
        if not batch:
            return
        rows = []
        for event_id, body in batch:
            data = json.loads(body).get('data') or {}
            if data.get('submission_id') or data.get('case_id'):
                rows.append({'event_id': event_id, 'named_submission': data.get('submission_id'),
                             'named_case': data.get('case_id')})
        if rows:
            bind.execute(update, rows)
        after = batch[-1][0]


def downgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_case_id')
        batch_op.drop_index('ix_events_submission_id')
        batch_op.drop_column('case_id')
        batch_op.drop_column('submission_id')
