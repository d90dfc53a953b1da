"""locale: each member's page and mail language

Revision ID: 0012_locale
Revises: 0008_passkeys
Create Date: 2026-12-03 18:20:00.000000

- users.locale: "ko" or "en" as chosen on /account; NULL follows the browser's
  Accept-Language, then MUNJIGI_DEFAULT_LOCALE.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_locale'
down_revision = '0008_passkeys'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('locale', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('users') as batch:
        batch.drop_column('locale')
