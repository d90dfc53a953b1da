"""passkeys: WebAuthn credentials and their ceremonies

Revision ID: 0008_passkeys
Revises: 0007_reports
Create Date: 2026-11-23 15:10:00.000000

- passkey_users: each member's random WebAuthn user handle (passwordless sign-in finds the
  member from it).
- passkeys: registered credentials (public key, sign count, name, created / last used);
  the credential id is unique through its SHA-256 (credential_key).
- passkey_challenges: ceremonies in progress, by the hash of their challenge; single use,
  expiring.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


def _datetime():
    # Naive UTC; microseconds kept on MariaDB/MySQL too (their DATETIME drops them by default).
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


# revision identifiers, used by Alembic.
revision = '0008_passkeys'
down_revision = '0007_reports'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('passkey_users',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('user_handle', sa.String(length=64), nullable=False),
    sa.Column('created_at', _datetime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_passkey_users_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_passkey_users')),
    sa.UniqueConstraint('user_handle', name=op.f('uq_passkey_users_user_handle'))
    )
    op.create_table('passkeys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('credential_key', sa.String(length=64), nullable=False),
    sa.Column('credential_id', sa.String(length=1400), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('sign_count', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('transports', sa.JSON(), nullable=True),
    sa.Column('aaguid', sa.String(length=36), nullable=False),
    sa.Column('device_type', sa.String(length=16), nullable=False),
    sa.Column('backed_up', sa.Boolean(), nullable=False),
    sa.Column('user_verified', sa.Boolean(), nullable=False),
    sa.Column('created_at', _datetime(), nullable=False),
    sa.Column('last_used_at', _datetime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_passkeys_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_passkeys')),
    sa.UniqueConstraint('credential_key', name=op.f('uq_passkeys_credential_key'))
    )
    op.create_index(op.f('ix_passkeys_user_id'), 'passkeys', ['user_id'], unique=False)
    op.create_table('passkey_challenges',
    sa.Column('challenge_hash', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('binding', sa.String(length=64), nullable=True),
    sa.Column('created_at', _datetime(), nullable=False),
    sa.Column('expires_at', _datetime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_passkey_challenges_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('challenge_hash', name=op.f('pk_passkey_challenges'))
    )
    op.create_index(op.f('ix_passkey_challenges_expires_at'), 'passkey_challenges', ['expires_at'], unique=False)
    op.create_index(op.f('ix_passkey_challenges_user_id'), 'passkey_challenges', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_passkey_challenges_user_id'), table_name='passkey_challenges')
    op.drop_index(op.f('ix_passkey_challenges_expires_at'), table_name='passkey_challenges')
    op.drop_table('passkey_challenges')
    op.drop_index(op.f('ix_passkeys_user_id'), table_name='passkeys')
    op.drop_table('passkeys')
    op.drop_table('passkey_users')
