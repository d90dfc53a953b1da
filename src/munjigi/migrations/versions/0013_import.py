"""import: run journal, id mapping and price history of imports; users.password_review

Revision ID: 0013_import
Revises: 0012_locale
Create Date: 2026-12-03 18:30:00.000000

- import_runs: one row per ``flask munjigi import … --apply`` run (options, cursors, counts).
- import_mappings: (source, kind, old id) → new id; a second run of a source skips these.
- import_prices: the price a 한끼얼마 post stored, beside the cost computed at import.
- users.password_review: an imported password still to be checked against today's policy
  at the next login ("at_login"), or refused by it and to be changed first ("change").
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


def _datetime():
    # Naive UTC; microseconds kept on MariaDB/MySQL too (their DATETIME drops them by default).
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


# revision identifiers, used by Alembic.
revision = '0013_import'
down_revision = '0012_locale'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('preset', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', _datetime(), nullable=False),
    sa.Column('updated_at', _datetime(), nullable=False),
    sa.Column('finished_at', _datetime(), nullable=True),
    sa.Column('resumed_from', sa.Integer(), nullable=True),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('cursors', sa.JSON(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_runs'))
    )
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_runs_source'), ['source'], unique=False)

    op.create_table('import_mappings',
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('old_id', sa.String(length=160), nullable=False),
    sa.Column('new_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('source', 'kind', 'old_id', name=op.f('pk_import_mappings'))
    )
    with op.batch_alter_table('import_mappings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_mappings_run_id'), ['run_id'], unique=False)

    op.create_table('import_prices',
    sa.Column('recipe_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('old_id', sa.String(length=160), nullable=False),
    sa.Column('stored_price', sa.Integer(), nullable=True),
    sa.Column('computed_price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('imported_at', _datetime(), nullable=False),
    sa.ForeignKeyConstraint(['recipe_id'], ['recipes.id'], name=op.f('fk_import_prices_recipe_id_recipes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('recipe_id', name=op.f('pk_import_prices'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_review', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('password_review')
    op.drop_table('import_prices')
    with op.batch_alter_table('import_mappings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_mappings_run_id'))
    op.drop_table('import_mappings')
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_runs_source'))
    op.drop_table('import_runs')
