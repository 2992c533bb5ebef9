"""erasure: a submission erased on request or by the retention policy stays as a marked row;
the access log names the student of a read about a student (a record, an export, a case)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 21:40:00

Existing submissions are not erased (NULL).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('submissions', sa.Column('erased_at', sa.DateTime(), nullable=True))
    op.add_column('access_log', sa.Column('student_id', sa.String(length=200), nullable=True))
    op.create_index(op.f('ix_access_log_student_id'), 'access_log', ['student_id'], unique=False)


def downgrade() -> None:
    # SQLite drops a column in place (3.35+): a batch copy of ``submissions`` would trip
    # the foreign keys that point at it.
    op.drop_index(op.f('ix_access_log_student_id'), table_name='access_log')
    op.drop_column('access_log', 'student_id')
    op.drop_column('submissions', 'erased_at')
