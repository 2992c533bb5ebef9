"""submission summaries count a submission's pairs both ways, its later matches too

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-08 10:00:00

A summary's strongest pair and pair count were those of its own report, which lists earlier
work only: the first of two copies, the work copied, read "no other student, 0 pairs" and came
last in the cohort page's list while its copies led it. From this revision they count the later
reports' pairs too (``store/summaries.py`` keeps them so); here every stored summary is counted
again from the links, both ways. The bins stay the report's own: summed, they count each pair
once. Built here rather than by ``store/summaries.py``, so this revision keeps doing what it did
whatever that module becomes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

# Summaries counted per query: bounded memory on a large archive.
BATCH = 200

summaries = sa.table('submission_summaries', sa.column('submission_id', sa.String),
                     sa.column('top_similarity', sa.Float), sa.column('top_other_id', sa.String),
                     sa.column('pairs', sa.Integer))
submissions = sa.table('submissions', sa.column('id', sa.String), sa.column('student_id', sa.String))
links = sa.table('match_links', sa.column('submission_id', sa.String), sa.column('other_id', sa.String),
                 sa.column('similarity', sa.Float), sa.column('own', sa.Boolean))


def _counted(bind: sa.Connection, ids: list[str], both_ways: bool) -> list[dict[str, object]]:
    """Each of ``ids``' pairs with other students' work, own attempts left out, those its report
    holds and with ``both_ways`` the later reports' too: its count and the strongest (ties to
    the smallest id)."""
    student = dict(bind.execute(sa.select(submissions.c.id, submissions.c.student_id)
                                .where(submissions.c.id.in_(ids))).all())
    both: dict[str, dict[str, float]] = {sid: {} for sid in ids}
    other = sa.alias(submissions)
    ways = [(links.c.submission_id, links.c.other_id)]
    if both_ways:
        ways.append((links.c.other_id, links.c.submission_id))
    for mine, theirs in ways:
        for sid, partner, similarity, partner_student in bind.execute(
                sa.select(mine, theirs, links.c.similarity, other.c.student_id)
                .join(other, other.c.id == theirs)
                .where(mine.in_(ids), links.c.own.is_(False))):
            if partner_student != student.get(sid):
                pairs = both[sid]
                pairs[partner] = max(float(similarity), pairs.get(partner, 0.0))
    rows = []
    for sid, pairs in both.items():
        top = min(pairs, key=lambda p: (-pairs[p], p)) if pairs else None
        rows.append({'sid': sid, 'pairs': len(pairs), 'top_similarity': pairs[top] if top else 0.0,
                     'top_other_id': top})
    return rows


def _count_again(both_ways: bool) -> None:
    bind = op.get_bind()
    ids = list(bind.execute(sa.select(summaries.c.submission_id).order_by(summaries.c.submission_id))
               .scalars())
    for start in range(0, len(ids), BATCH):
        rows = _counted(bind, ids[start : start + BATCH], both_ways)
        if rows:
            bind.execute(summaries.update().where(summaries.c.submission_id == sa.bindparam('sid'))
                         .values(pairs=sa.bindparam('pairs'), top_similarity=sa.bindparam('top_similarity'),
                                 top_other_id=sa.bindparam('top_other_id')), rows)


def upgrade() -> None:
    _count_again(both_ways=True)


def downgrade() -> None:
    # Back to the counts of the report alone, which the code before this revision keeps.
    _count_again(both_ways=False)
