"""recipes: ingredient catalogue, recipes and their lines, title search grams, comments, likes

Revision ID: 0002_recipes
Revises: 0001_security_core
Create Date: 2026-11-23 15:00:00.000000

Every foreign key to users or recipes is ON DELETE CASCADE (deleting a member or a recipe
removes what hangs on it, on every backend); recipe lines RESTRICT the deletion of an
ingredient that a recipe still uses.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


def _datetime():
    # Naive UTC; microseconds kept on MariaDB/MySQL too (their DATETIME drops them by default).
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


# revision identifiers, used by Alembic.
revision = '0002_recipes'
down_revision = '0001_security_core'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ingredients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('unit', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('unit_label', sa.String(length=16), nullable=False),
    sa.CheckConstraint('price >= 0', name=op.f('ck_ingredients_price_not_negative')),
    sa.CheckConstraint('unit > 0', name=op.f('ck_ingredients_unit_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ingredients')),
    sa.UniqueConstraint('name', name=op.f('uq_ingredients_name'))
    )
    op.create_table('recipes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('title_key', sa.Text(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('servings', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', _datetime(), nullable=False),
    sa.Column('modified_at', _datetime(), nullable=False),
    sa.CheckConstraint('servings >= 1', name=op.f('ck_recipes_servings_positive')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recipes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recipes'))
    )
    with op.batch_alter_table('recipes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recipes_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_recipes_title'), ['title'], unique=False)
        batch_op.create_index(batch_op.f('ix_recipes_user_id'), ['user_id'], unique=False)

    op.create_table('recipe_ingredients',
    sa.Column('recipe_id', sa.Integer(), nullable=False),
    sa.Column('ingredient_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.CheckConstraint('quantity >= 0', name=op.f('ck_recipe_ingredients_quantity_not_negative')),
    sa.ForeignKeyConstraint(['ingredient_id'], ['ingredients.id'], name=op.f('fk_recipe_ingredients_ingredient_id_ingredients'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recipe_id'], ['recipes.id'], name=op.f('fk_recipe_ingredients_recipe_id_recipes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('recipe_id', 'ingredient_id', name=op.f('pk_recipe_ingredients'))
    )
    with op.batch_alter_table('recipe_ingredients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recipe_ingredients_ingredient_id'), ['ingredient_id'], unique=False)

    op.create_table('recipe_title_grams',
    sa.Column('gram', sa.String(length=16), nullable=False),
    sa.Column('recipe_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['recipe_id'], ['recipes.id'], name=op.f('fk_recipe_title_grams_recipe_id_recipes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('gram', 'recipe_id', name=op.f('pk_recipe_title_grams'))
    )
    with op.batch_alter_table('recipe_title_grams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recipe_title_grams_recipe_id'), ['recipe_id'], unique=False)

    op.create_table('recipe_likes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('recipe_id', sa.Integer(), nullable=False),
    sa.Column('created_at', _datetime(), nullable=False),
    sa.ForeignKeyConstraint(['recipe_id'], ['recipes.id'], name=op.f('fk_recipe_likes_recipe_id_recipes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recipe_likes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recipe_likes')),
    sa.UniqueConstraint('user_id', 'recipe_id', name=op.f('uq_recipe_likes_user_id'))
    )
    with op.batch_alter_table('recipe_likes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recipe_likes_recipe_id'), ['recipe_id'], unique=False)

    op.create_table('comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipe_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('created_at', _datetime(), nullable=False),
    sa.Column('modified_at', _datetime(), nullable=False),
    sa.ForeignKeyConstraint(['recipe_id'], ['recipes.id'], name=op.f('fk_comments_recipe_id_recipes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_comments_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comments'))
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comments_recipe_id'), ['recipe_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comments_user_id'), ['user_id'], unique=False)

    op.create_table('comment_likes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('created_at', _datetime(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_comment_likes_comment_id_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_comment_likes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_likes')),
    sa.UniqueConstraint('user_id', 'comment_id', name=op.f('uq_comment_likes_user_id'))
    )
    with op.batch_alter_table('comment_likes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_likes_comment_id'), ['comment_id'], unique=False)


def downgrade():
    # Children first; each table's indexes go with it (MariaDB refuses to drop an index
    # that a foreign key still needs, so they are not dropped one by one).
    for table in ('comment_likes', 'comments', 'recipe_likes', 'recipe_title_grams',
                  'recipe_ingredients', 'recipes', 'ingredients'):
        op.drop_table(table)
