"""active cases: at most one open or confirmed case per submission, kept by the database

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 19:40:00

``CaseBook.open`` used to check for a blocking case and then insert, so two requests at the
same instant could both open one. A row here per submission whose case blocks it (open, or
confirmed by the decision in force) makes the second insert fail on the primary key.

Cases stored before this revision get their rows here: a case is blocking when it has no
decision or its latest one (by time, then order of entry, as ``ladder.decisions_on`` orders
them) confirms it. Should the old race have left two blocking cases on one submission, the
latest opened holds the row; the other still shows as open or confirmed, and dismissing it
leaves the row alone (``CaseBook.decide`` deletes only its own case's row).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

cases = sa.table('cases', sa.column('id', sa.String), sa.column('submission_id', sa.String),
                 sa.column('opened_at', sa.DateTime))
decisions = sa.table('case_decisions', sa.column('id', sa.Integer), sa.column('case_id', sa.String),
                     sa.column('decision', sa.String), sa.column('decided_at', sa.DateTime))


def upgrade() -> None:
    op.create_table('active_cases',
    sa.Column('submission_id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ),
    sa.PrimaryKeyConstraint('submission_id'),
    sa.UniqueConstraint('case_id')
    )
    _fill_from_cases()


def _fill_from_cases() -> None:
    # Cases are few (staff open them by hand): read them all at once.
    bind = op.get_bind()
    latest: dict[str, tuple[Any, int, str]] = {}
    for case_id, decision_id, decision, decided_at in bind.execute(sa.select(
            decisions.c.case_id, decisions.c.id, decisions.c.decision, decisions.c.decided_at)):
        key = (decided_at, decision_id, decision)
        if case_id not in latest or key[:2] > latest[case_id][:2]:
            latest[case_id] = key
    holder: dict[str, tuple[Any, str]] = {}
    for case_id, submission_id, opened_at in bind.execute(sa.select(
            cases.c.id, cases.c.submission_id, cases.c.opened_at)):
        if case_id in latest and latest[case_id][2] != 'confirmed':
            continue  # dismissed: blocks nothing
        if submission_id not in holder or (opened_at, case_id) > holder[submission_id]:
            holder[submission_id] = (opened_at, case_id)
    if holder:
        active = sa.table('active_cases', sa.column('submission_id', sa.String),
                          sa.column('case_id', sa.String))
        op.bulk_insert(active, [{'submission_id': s, 'case_id': c}
                                for s, (_, c) in sorted(holder.items())])


def downgrade() -> None:
    op.drop_table('active_cases')
