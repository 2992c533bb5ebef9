"""submission summaries bin their pairs by the percent the pages show, to a tenth

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-09 10:00:00

The pages showed a similarity as a whole percent, and the histogram binned it by that percent;
they now show one decimal (``originality/percents.py``: rounded half up as written, never
100.0% below 1), and ``overview.bin_of`` bins by it: 0.2994, shown as 29.9%, belongs in 20-30%,
where the whole percent (30%) counted it in 30-40%. Each stored summary's bins (its own report's
pairs with other students, own attempts and the matches explained by the student's own work left
out, as 0031 counts them) are counted again from the links by the rule of the code that reads
them. Built here rather than by ``store/summaries.py``, so this revision keeps doing what it did
whatever that module becomes.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from alembic import op


revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None

# Summaries counted per query: bounded memory on a large archive.
BATCH = 200
BINS = 10

summaries = sa.table('submission_summaries', sa.column('submission_id', sa.String),
                     *(sa.column(f'bin{i}', sa.Integer) for i in range(BINS)))
submissions = sa.table('submissions', sa.column('id', sa.String), sa.column('student_id', sa.String))
links = sa.table('match_links', sa.column('submission_id', sa.String), sa.column('other_id', sa.String),
                 sa.column('similarity', sa.Float), sa.column('own', sa.Boolean),
                 sa.column('explained_by', sa.String))


def _clamped(similarity: float) -> float:
    return min(1.0, max(0.0, float(similarity)))


def _bin_by_tenths(similarity: float) -> int:
    """The bin of the percent shown to a tenth (``percents.tenths`` when this revision was written)."""
    value = _clamped(similarity)
    shown = int(Decimal(repr(value)).scaleb(3).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if shown == 1000 and value < 1.0:
        shown = 999
    return min(BINS - 1, shown // 100)


def _bin_by_whole_percent(similarity: float) -> int:
    """The bin of the whole percent shown before this revision."""
    return min(BINS - 1, round(_clamped(similarity) * 100) // 10)


def _bin_again(bin_of: Callable[[float], int]) -> None:
    bind = op.get_bind()
    ids = list(bind.execute(sa.select(summaries.c.submission_id).order_by(summaries.c.submission_id))
               .scalars())
    mine, other = sa.alias(submissions), sa.alias(submissions)
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        bins = {sid: [0] * BINS for sid in batch}
        # Each earlier submission once per report (``links.write`` keeps one link per pair).
        for sid, similarity in bind.execute(
                sa.select(links.c.submission_id, links.c.similarity)
                .join(mine, mine.c.id == links.c.submission_id)
                .join(other, other.c.id == links.c.other_id)
                .where(links.c.submission_id.in_(batch), links.c.own.is_(False),
                       links.c.explained_by.is_(None), mine.c.student_id != other.c.student_id)):
            bins[sid][bin_of(similarity)] += 1
        bind.execute(summaries.update().where(summaries.c.submission_id == sa.bindparam('sid'))
                     .values(**{f'bin{i}': sa.bindparam(f'b{i}') for i in range(BINS)}),
                     [{'sid': sid, **{f'b{i}': n for i, n in enumerate(counts)}}
                      for sid, counts in bins.items()])


def upgrade() -> None:
    _bin_again(_bin_by_tenths)


def downgrade() -> None:
    _bin_again(_bin_by_whole_percent)
