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


def upgrade():
    pass


def downgrade():
    pass
