"""match links: each stored report's matches as rows, so a report can list the later matches

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00

Reports stored before this revision get their links here, from their JSON (the only time every
report is read): the earliest submissions of a project then list their later copies at once,
not only after a recheck. The rows are built here rather than by ``store/links.py``, so this
revision keeps doing what it did whatever that module becomes.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# Reports read per query while filling the links: bounded memory on a large archive.
BATCH = 200

reports = sa.table('reports', sa.column('submission_id', sa.String), sa.column('body', sa.Text))
submissions = sa.table('submissions', sa.column('id', sa.String))


def upgrade() -> None:
    op.create_table('match_links',
    sa.Column('submission_id', sa.String(length=32), nullable=False),
    sa.Column('other_id', sa.String(length=32), nullable=False),
    sa.Column('similarity', sa.Float(), nullable=False),
    sa.Column('a_share', sa.Float(), nullable=False),
    sa.Column('b_share', sa.Float(), nullable=False),
    sa.Column('fragments', sa.Integer(), nullable=False),
    sa.Column('own', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['other_id'], ['submissions.id'], ),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ),
    sa.PrimaryKeyConstraint('submission_id', 'other_id')
    )
    with op.batch_alter_table('match_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_links_other_id'), ['other_id'], unique=False)
    _fill_from_reports()


def _fill_from_reports() -> None:
    bind = op.get_bind()
    links = sa.table('match_links', *(sa.column(name) for name in (
        'submission_id', 'other_id', 'similarity', 'a_share', 'b_share', 'fragments', 'own')))
    ids = list(bind.execute(sa.select(reports.c.submission_id).order_by(reports.c.submission_id))
               .scalars())
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        rows: list[dict[str, Any]] = []
        for owner, body in bind.execute(sa.select(reports.c.submission_id, reports.c.body)
                                        .where(reports.c.submission_id.in_(batch))):
            report = json.loads(body)
            seen: set[str] = set()
            for key, own in (('matches', False), ('own_attempts', True)):
                for match in report.get(key) or ():
                    other = str(match['submission_id'])
                    if other == owner or other in seen:
                        continue
                    seen.add(other)
                    rows.append({'submission_id': owner, 'other_id': other,
                                 'similarity': float(match['similarity']),
                                 'a_share': float(match.get('a_share', 0.0)),
                                 'b_share': float(match.get('b_share', 0.0)),
                                 'fragments': len(match.get('fragments') or ()), 'own': own})
        others = sorted({r['other_id'] for r in rows})
        known: set[str] = set()
        for first in range(0, len(others), BATCH):
            known.update(bind.execute(sa.select(submissions.c.id).where(
                submissions.c.id.in_(others[first : first + BATCH]))).scalars())
        # A match naming no stored submission cannot be linked (the foreign key says so).
        rows = [r for r in rows if r['other_id'] in known]
        if rows:
            bind.execute(links.insert(), rows)


def downgrade() -> None:
    with op.batch_alter_table('match_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_links_other_id'))

    op.drop_table('match_links')
