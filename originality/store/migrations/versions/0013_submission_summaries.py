"""submission summaries: each checked submission at a glance, for the cohort page

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 21:30:00

Reports stored before this revision get their summaries here, from their JSON (the only time
every report is read), so an upgraded archive's cohort page shows every pair at once. The rows
are built here rather than by ``store/summaries.py``, so this revision keeps doing what it did
whatever that module becomes.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# Reports read per query while filling the summaries: bounded memory on a large archive.
BATCH = 200
BINS = 10

reports = sa.table('reports', sa.column('submission_id', sa.String), sa.column('body', sa.Text))
submissions = sa.table('submissions', sa.column('id', sa.String), sa.column('project_id', sa.String),
                       sa.column('student_id', sa.String))


def upgrade() -> None:
    op.create_table('submission_summaries',
    sa.Column('submission_id', sa.String(length=32), nullable=False),
    sa.Column('project_id', sa.String(length=200), nullable=False),
    sa.Column('top_similarity', sa.Float(), nullable=False),
    sa.Column('top_other_id', sa.String(length=32), nullable=True),
    sa.Column('pairs', sa.Integer(), nullable=False),
    *(sa.Column(f'bin{i}', sa.Integer(), nullable=False) for i in range(BINS)),
    sa.Column('flags', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ),
    sa.ForeignKeyConstraint(['top_other_id'], ['submissions.id'], ),
    sa.PrimaryKeyConstraint('submission_id')
    )
    with op.batch_alter_table('submission_summaries', schema=None) as batch_op:
        batch_op.create_index('ix_submission_summaries_rank',
                              ['project_id', 'top_similarity', 'submission_id'],
                              unique=False)
    _fill_from_reports()


def _percent(similarity: float) -> int:
    return round(min(1.0, max(0.0, float(similarity))) * 100)


def _summary(owner: str, project_id: str, student_id: str, report: dict[str, Any],
             known: set[str]) -> dict[str, Any]:
    bins = [0] * BINS
    top: tuple[float, str] | None = None
    seen: set[str] = set()
    for match in report.get('matches') or ():
        other = str(match['submission_id'])
        if other == owner or other in seen or other not in known:
            continue
        seen.add(other)
        if match.get('student_id') == student_id:
            continue
        similarity = float(match['similarity'])
        bins[min(BINS - 1, _percent(similarity) // 10)] += 1
        if top is None or (-similarity, other) < (-top[0], top[1]):
            top = (similarity, other)
    kinds = sorted({str(f.get('kind')) for f in report.get('flags') or () if f.get('kind')})
    return {'submission_id': owner, 'project_id': project_id,
            'top_similarity': top[0] if top else 0.0, 'top_other_id': top[1] if top else None,
            'pairs': sum(bins), **{f'bin{i}': n for i, n in enumerate(bins)},
            'flags': ','.join(kinds)}


def _fill_from_reports() -> None:
    bind = op.get_bind()
    summaries = sa.table('submission_summaries', *(sa.column(name) for name in (
        'submission_id', 'project_id', 'top_similarity', 'top_other_id', 'pairs',
        *(f'bin{i}' for i in range(BINS)), 'flags')))
    ids = list(bind.execute(sa.select(reports.c.submission_id).order_by(reports.c.submission_id))
               .scalars())
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        found = bind.execute(sa.select(reports.c.submission_id, reports.c.body,
                                       submissions.c.project_id, submissions.c.student_id)
                             .join(submissions, submissions.c.id == reports.c.submission_id)
                             .where(reports.c.submission_id.in_(batch))).all()
        bodies = [(owner, project, student, json.loads(body))
                  for owner, body, project, student in found]
        others = sorted({str(m['submission_id']) for *_, report in bodies
                         for m in report.get('matches') or ()})
        known: set[str] = set()
        for first in range(0, len(others), BATCH):
            known.update(bind.execute(sa.select(submissions.c.id).where(
                submissions.c.id.in_(others[first : first + BATCH]))).scalars())
        # A match naming no stored submission has no link either (0005): it is no pair here.
        rows = [_summary(owner, project, student, report, known)
                for owner, project, student, report in bodies]
        if rows:
            bind.execute(summaries.insert(), rows)


def downgrade() -> None:
    with op.batch_alter_table('submission_summaries', schema=None) as batch_op:
        batch_op.drop_index('ix_submission_summaries_rank')

    op.drop_table('submission_summaries')
