"""reports: indexes for the dashboard aggregates

Revision ID: 0007_reports
Revises: 0006_factors
Create Date: 2026-11-23 15:10:00.000000
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


def _datetime():
    # Naive UTC; microseconds kept on MariaDB/MySQL too (their DATETIME drops them by default).
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


# revision identifiers, used by Alembic.
revision = '0007_reports'
down_revision = '0006_factors'
branch_labels = None
depends_on = None


# The security dashboard counts events by name, and failed or blocked events by IP and by
# account, over a period: each query is a range scan of one of these (munjigi/reports/queries.py).
INDEXES = (
    ('ix_audit_events_event_at', ['event', 'at']),
    ('ix_audit_events_outcome_at_ip', ['outcome', 'at', 'ip']),
    ('ix_audit_events_outcome_at_user_id', ['outcome', 'at', 'user_id']),
)


def upgrade():
    for name, columns in INDEXES:
        op.create_index(name, 'audit_events', columns, unique=False)


def downgrade():
    for name, _ in reversed(INDEXES):
        op.drop_index(name, table_name='audit_events')
