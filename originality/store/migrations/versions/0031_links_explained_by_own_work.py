"""a match explained by the student's own earlier work is marked on its link, and is no pair

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-08 11:00:00

A student's new attempt that matches classmates who copied her earlier attempt is not a copy of
them (``store/own_work.py``): triage never flagged it, but the report pages listed those
classmates as ordinary matches and the cohort page counted the pair with her as the later side,
the copier. ``match_links.explained_by`` names the student's own submission that explains the
match; the links stored before get it here, by the same rule (the copy's report matches a
submission of the same student at the project's review threshold, else the service's default,
0.5: the environment's override is not known to a migration), and the summaries of both sides
of each such link are counted again without it: bins, strongest pair and count, both ways, as
``store/summaries.py`` keeps them. Built here rather than by those modules, so this revision
keeps doing what it did whatever they become.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

BATCH = 200
BINS = 10
# The service's default review threshold (``calibration.EVEN_ODDS``) when this revision was written.
DEFAULT_REVIEW_THRESHOLD = 0.5

submissions = sa.table('submissions', sa.column('id', sa.String), sa.column('student_id', sa.String),
                       sa.column('project_id', sa.String))
links = sa.table('match_links', sa.column('submission_id', sa.String), sa.column('other_id', sa.String),
                 sa.column('similarity', sa.Float), sa.column('own', sa.Boolean),
                 sa.column('explained_by', sa.String))
settings = sa.table('project_settings', sa.column('project_id', sa.String), sa.column('review_threshold', sa.Float))
summaries = sa.table('submission_summaries', sa.column('submission_id', sa.String),
                     sa.column('top_similarity', sa.Float), sa.column('top_other_id', sa.String),
                     sa.column('pairs', sa.Integer), *(sa.column(f'bin{i}', sa.Integer) for i in range(BINS)))


def _percent(similarity: float) -> int:
    return round(min(1.0, max(0.0, float(similarity))) * 100)


def _mark(bind: Any) -> set[str]:
    """Mark the links explained by their student's own work; returns both sides of each."""
    later, copy = sa.alias(links), sa.alias(links)
    student, original = sa.alias(submissions), sa.alias(submissions)
    best: dict[tuple[str, str], tuple[float, str]] = {}
    for sid, other, own_id, similarity in bind.execute(
            sa.select(later.c.submission_id, later.c.other_id, copy.c.other_id, copy.c.similarity)
            .join(student, student.c.id == later.c.submission_id)
            .join(copy, copy.c.submission_id == later.c.other_id)
            .join(original, original.c.id == copy.c.other_id)
            .outerjoin(settings, settings.c.project_id == student.c.project_id)
            .where(later.c.own.is_(False), copy.c.own.is_(False),
                   original.c.student_id == student.c.student_id,
                   copy.c.similarity >= sa.func.coalesce(settings.c.review_threshold,
                                                         DEFAULT_REVIEW_THRESHOLD))):
        key = (sid, other)
        if key not in best or (-similarity, own_id) < (-best[key][0], best[key][1]):
            best[key] = (float(similarity), own_id)
    if best:
        bind.execute(links.update().where(links.c.submission_id == sa.bindparam('sid'),
                                          links.c.other_id == sa.bindparam('oid'))
                     .values(explained_by=sa.bindparam('own_id')),
                     [{'sid': sid, 'oid': other, 'own_id': own_id} for (sid, other), (_, own_id) in best.items()])
    return {side for pair in best for side in pair}


def _count_again(bind: Any, ids: list[str], marked: bool) -> None:
    """The summaries of ``ids`` from their links: the bins of their own report's pairs, and the
    strongest pair and count both ways; own attempts are no pairs, nor with ``marked`` the
    explained matches."""
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        student = dict(bind.execute(sa.select(submissions.c.id, submissions.c.student_id)
                                    .where(submissions.c.id.in_(batch))).all())
        earlier: dict[str, dict[str, float]] = {sid: {} for sid in batch}
        both: dict[str, dict[str, float]] = {sid: {} for sid in batch}
        other = sa.alias(submissions)
        for mine, theirs, found in ((links.c.submission_id, links.c.other_id, True),
                                    (links.c.other_id, links.c.submission_id, False)):
            for sid, partner, similarity, partner_student in bind.execute(
                    sa.select(mine, theirs, links.c.similarity, other.c.student_id)
                    .join(other, other.c.id == theirs)
                    .where(mine.in_(batch), links.c.own.is_(False),
                           links.c.explained_by.is_(None) if marked else sa.true())):
                if partner_student != student.get(sid):
                    if found:
                        earlier[sid][partner] = float(similarity)
                    both[sid][partner] = max(float(similarity), both[sid].get(partner, 0.0))
        rows = []
        for sid in batch:
            pairs = both[sid]
            top = min(pairs, key=lambda p: (-pairs[p], p)) if pairs else None
            bins = [0] * BINS
            for similarity in earlier[sid].values():
                bins[min(BINS - 1, _percent(similarity) // 10)] += 1
            rows.append({'sid': sid, 'pairs': len(pairs), 'top_similarity': pairs[top] if top else 0.0,
                         'top_other_id': top, **{f'b{i}': n for i, n in enumerate(bins)}})
        bind.execute(summaries.update().where(summaries.c.submission_id == sa.bindparam('sid'))
                     .values(pairs=sa.bindparam('pairs'), top_similarity=sa.bindparam('top_similarity'),
                             top_other_id=sa.bindparam('top_other_id'),
                             **{f'bin{i}': sa.bindparam(f'b{i}') for i in range(BINS)}), rows)


def upgrade() -> None:
    with op.batch_alter_table('match_links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('explained_by', sa.String(length=32), nullable=True))
    bind = op.get_bind()
    _count_again(bind, sorted(_mark(bind)), marked=True)


def downgrade() -> None:
    bind = op.get_bind()
    marked = {side for row in bind.execute(sa.select(links.c.submission_id, links.c.other_id)
                                           .where(links.c.explained_by.is_not(None))) for side in row}
    with op.batch_alter_table('match_links', schema=None) as batch_op:
        batch_op.drop_column('explained_by')
    # The summaries as the code before this revision counts them: the explained matches as pairs.
    _count_again(bind, sorted(marked), marked=False)
