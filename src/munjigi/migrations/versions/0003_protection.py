"""protection: rate-limit counters, login throttles, spent PoW challenges, audit hash chain

Revision ID: 0003_protection
Revises: 0004_web
Create Date: 2026-11-24 12:00:00.000000

- ratelimit_counters: the "database" rate-limit storage (several workers, no Redis).
- login_throttles: brute-force state per (account, IP) pair, account and IP.
- antibot_spent_challenges: redeemed proof-of-work challenges, kept until they expire.
- audit_events.seq / prev_hash / hash and the audit_chain head row: the hash chain. Rows
  that exist already are chained here, oldest first, so `flask munjigi audit verify` holds
  from the first row on.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


def _datetime():
    # Naive UTC; microseconds kept on MariaDB/MySQL too (their DATETIME drops them by default).
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


# revision identifiers, used by Alembic.
revision = '0003_protection'
down_revision = '0004_web'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ratelimit_counters',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_ratelimit_counters'))
    )
    op.create_index(op.f('ix_ratelimit_counters_expires_at'), 'ratelimit_counters', ['expires_at'], unique=False)
    op.create_table('login_throttles',
    sa.Column('scope', sa.String(length=8), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('window_start', _datetime(), nullable=False),
    sa.Column('last_failure_at', _datetime(), nullable=True),
    sa.Column('locked_until', _datetime(), nullable=True),
    sa.Column('last_success_at', _datetime(), nullable=True),
    sa.PrimaryKeyConstraint('scope', 'subject', name=op.f('pk_login_throttles'))
    )
    op.create_index(op.f('ix_login_throttles_user_id'), 'login_throttles', ['user_id'], unique=False)
    op.create_table('antibot_spent_challenges',
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('expires_at', _datetime(), nullable=False),
    sa.PrimaryKeyConstraint('nonce', name=op.f('pk_antibot_spent_challenges'))
    )
    op.create_index(op.f('ix_antibot_spent_challenges_expires_at'), 'antibot_spent_challenges', ['expires_at'], unique=False)
    op.create_table('audit_chain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.Column('anchor_seq', sa.BigInteger(), nullable=True),
    sa.Column('anchor_hash', sa.String(length=64), nullable=True),
    sa.Column('purged_at', _datetime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain'))
    )
    with op.batch_alter_table('audit_events') as batch:
        batch.add_column(sa.Column('seq', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
        batch.create_unique_constraint(batch.f('uq_audit_events_seq'), ['seq'])
    _chain_existing_rows()


def _chain_existing_rows():
    """Link the rows written before this migration, in id order, and create the head."""
    from munjigi.security.audit_chain import GENESIS
    from munjigi.security.audit_chain import HASHED
    from munjigi.security.audit_chain import link_hash

    bind = op.get_bind()
    events = sa.table(
        'audit_events',
        sa.column('id'), sa.column('at', _datetime()), sa.column('event'), sa.column('outcome'),
        sa.column('user_id'), sa.column('actor_id'), sa.column('session_id'), sa.column('ip'),
        sa.column('user_agent'), sa.column('reason'), sa.column('detail', sa.JSON()),
        sa.column('seq'), sa.column('prev_hash'), sa.column('hash'),
    )
    prev, seq = GENESIS, 0
    rows = bind.execute(sa.select(events).order_by(events.c.id)).mappings().all()
    for row in rows:
        seq += 1
        values = {name: row[name] for name in HASHED if name != 'seq'}
        values['seq'] = seq
        digest = link_hash(prev, values)
        bind.execute(
            events.update().where(events.c.id == row['id']).values(seq=seq, prev_hash=prev, hash=digest)
        )
        prev = digest
    head = sa.table('audit_chain', sa.column('id'), sa.column('seq'), sa.column('head_hash'))
    bind.execute(head.insert().values(id=1, seq=seq, head_hash=prev))


def downgrade():
    with op.batch_alter_table('audit_events') as batch:
        batch.drop_constraint(batch.f('uq_audit_events_seq'), type_='unique')
        batch.drop_column('hash')
        batch.drop_column('prev_hash')
        batch.drop_column('seq')
    op.drop_table('audit_chain')
    op.drop_index(op.f('ix_antibot_spent_challenges_expires_at'), table_name='antibot_spent_challenges')
    op.drop_table('antibot_spent_challenges')
    op.drop_index(op.f('ix_login_throttles_user_id'), table_name='login_throttles')
    op.drop_table('login_throttles')
    op.drop_index(op.f('ix_ratelimit_counters_expires_at'), table_name='ratelimit_counters')
    op.drop_table('ratelimit_counters')
