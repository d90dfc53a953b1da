"""web pages: profile fields and terms consent on users, hand-off nonces, admin search indexes

Revision ID: 0004_web
Revises: 0002_recipes
Create Date: 2026-11-24 10:00:00.000000

- users.display_name / nickname / bio (the /account page) and users.terms_accepted_at
  (consent recorded at sign-up); all nullable, so existing rows need no default.
- handoff_nonces: each signed hand-off nonce is spent once (kept until it expires).
- audit_events (event, id) and (user_id, id): /admin/audit pages by keyset with a filter.
- PostgreSQL only: users.username_key / email_key under COLLATE "C". Admin search is a
  prefix range in code-point order; the unique indexes use the database collation, whose
  order is not code-point order, so they cannot serve that range. SQLite's BINARY index
  already is code-point order, and MariaDB answers LIKE 'prefix%' from its own index.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


def _datetime():
    # Naive UTC; microseconds kept on MariaDB/MySQL too (their DATETIME drops them by default).
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


# revision identifiers, used by Alembic.
revision = '0004_web'
down_revision = '0002_recipes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('display_name', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('nickname', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('bio', sa.String(length=500), nullable=True))
        batch.add_column(sa.Column('terms_accepted_at', _datetime(), nullable=True))
    op.create_table('handoff_nonces',
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('expires_at', _datetime(), nullable=False),
    sa.PrimaryKeyConstraint('nonce', name=op.f('pk_handoff_nonces'))
    )
    op.create_index(op.f('ix_handoff_nonces_expires_at'), 'handoff_nonces', ['expires_at'], unique=False)
    op.create_index('ix_audit_events_event_id', 'audit_events', ['event', 'id'], unique=False)
    op.create_index('ix_audit_events_user_id_id', 'audit_events', ['user_id', 'id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE INDEX ix_users_username_key_c ON users ((username_key COLLATE "C"))')
        op.execute('CREATE INDEX ix_users_email_key_c ON users ((email_key COLLATE "C"))')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX ix_users_email_key_c')
        op.execute('DROP INDEX ix_users_username_key_c')
    op.drop_index('ix_audit_events_user_id_id', table_name='audit_events')
    op.drop_index('ix_audit_events_event_id', table_name='audit_events')
    op.drop_index(op.f('ix_handoff_nonces_expires_at'), table_name='handoff_nonces')
    op.drop_table('handoff_nonces')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('terms_accepted_at')
        batch.drop_column('bio')
        batch.drop_column('nickname')
        batch.drop_column('display_name')
