"""faults: numbered signing keys and a durable mail outbox

Revision ID: 0009_faults
Revises: 0008_passkeys
Create Date: 2026-12-03 18:30:00.000000

- signing_keys.generation: 1, 2, 3 … in creation order, unique; processes racing to create
  the first key (or to rotate) cannot both succeed. Existing keys are numbered by age.
- mail_outbox: mail waiting to be sent (encrypted), sent or given up; survives restarts.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


def _datetime():
    # Naive UTC; microseconds kept on MariaDB/MySQL too (their DATETIME drops them by default).
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


# revision identifiers, used by Alembic.
revision = '0009_faults'
down_revision = '0008_passkeys'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('signing_keys', sa.Column('generation', sa.Integer(), nullable=True))
    keys = sa.table(
        'signing_keys',
        sa.column('kid', sa.String()),
        sa.column('created_at', _datetime()),
        sa.column('generation', sa.Integer()),
    )
    connection = op.get_bind()
    kids = connection.execute(
        sa.select(keys.c.kid).order_by(keys.c.created_at, keys.c.kid)
    ).scalars().all()
    for number, kid in enumerate(kids, start=1):
        connection.execute(
            keys.update().where(keys.c.kid == kid).values(generation=number)
        )
    op.create_index(
        op.f('ix_signing_keys_generation'), 'signing_keys', ['generation'], unique=True
    )
    op.create_table('mail_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('message', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', _datetime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', _datetime(), nullable=True),
    sa.Column('sent_at', _datetime(), nullable=True),
    sa.Column('failed_at', _datetime(), nullable=True),
    sa.Column('last_error', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox'))
    )
    op.create_index(
        op.f('ix_mail_outbox_next_attempt_at'), 'mail_outbox', ['next_attempt_at'], unique=False
    )
    op.create_index(op.f('ix_mail_outbox_created_at'), 'mail_outbox', ['created_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_mail_outbox_created_at'), table_name='mail_outbox')
    op.drop_index(op.f('ix_mail_outbox_next_attempt_at'), table_name='mail_outbox')
    op.drop_table('mail_outbox')
    op.drop_index(op.f('ix_signing_keys_generation'), table_name='signing_keys')
    with op.batch_alter_table('signing_keys') as batch:
        batch.drop_column('generation')
