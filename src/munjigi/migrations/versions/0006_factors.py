"""second factors: TOTP, recovery codes, passkeys; fresh-authentication time on sessions

Revision ID: 0006_factors
Revises: 0005_lifecycle
Create Date: 2026-11-23 15:10:00.000000

- auth_sessions.auth_at: when the session last proved who it is (login, re-authentication);
  step-up routes compare it with MUNJIGI_STEPUP_MINUTES. NULL (sessions opened before this
  migration, or by a hand-off) counts as stale.
- totp_factors: one encrypted TOTP secret per user and the last accepted time step.
- recovery_codes: keyed hashes of single-use recovery codes.
- mfa_challenges: logins waiting for their second factor (hashed token, expiry, attempts).
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


def _datetime():
    # Naive UTC; microseconds kept on MariaDB/MySQL too (their DATETIME drops them by default).
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


# revision identifiers, used by Alembic.
revision = '0006_factors'
down_revision = '0005_lifecycle'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('auth_sessions') as batch:
        batch.add_column(sa.Column('auth_at', _datetime(), nullable=True))
    op.create_table('totp_factors',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', _datetime(), nullable=False),
    sa.Column('confirmed_at', _datetime(), nullable=True),
    sa.Column('last_step', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_totp_factors_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_totp_factors'))
    )
    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', _datetime(), nullable=False),
    sa.Column('used_at', _datetime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes')),
    sa.UniqueConstraint('user_id', 'code_hash', name=op.f('uq_recovery_codes_user_id'))
    )
    op.create_index(op.f('ix_recovery_codes_user_id'), 'recovery_codes', ['user_id'], unique=False)
    op.create_table('mfa_challenges',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', _datetime(), nullable=False),
    sa.Column('expires_at', _datetime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', _datetime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mfa_challenges_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_mfa_challenges'))
    )
    op.create_index(op.f('ix_mfa_challenges_user_id'), 'mfa_challenges', ['user_id'], unique=False)
    op.create_index(op.f('ix_mfa_challenges_expires_at'), 'mfa_challenges', ['expires_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_mfa_challenges_expires_at'), table_name='mfa_challenges')
    op.drop_index(op.f('ix_mfa_challenges_user_id'), table_name='mfa_challenges')
    op.drop_table('mfa_challenges')
    op.drop_index(op.f('ix_recovery_codes_user_id'), table_name='recovery_codes')
    op.drop_table('recovery_codes')
    op.drop_table('totp_factors')
    with op.batch_alter_table('auth_sessions') as batch:
        batch.drop_column('auth_at')
