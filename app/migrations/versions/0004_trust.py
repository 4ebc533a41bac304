"""Trust that survives an insider: signed audit events carrying the state of the record they leave,
the installation's root key (sealed for each administrator and under a recovery code), root
certificates on user keys and role grants, and grants that end instead of vanishing.

Events written before this version stay unsigned; the root, created when an administrator first logs
in after the upgrade, certifies how many there were, so `verify` accepts exactly those unsigned.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import uuid

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('trust_root',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('installation', sa.String(length=36), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('legacy_events', sa.Integer(), nullable=False),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('retired_at', sa.DateTime(), nullable=True),
    sa.Column('certificate', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['replaces_id'], ['trust_root.id'], name=op.f('fk_trust_root_replaces_id_trust_root')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trust_root')),
    sa.UniqueConstraint('public_key', name=op.f('uq_trust_root_public_key'))
    )
    op.create_table('root_seal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('root_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('sealed', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['root_id'], ['trust_root.id'], name=op.f('fk_root_seal_root_id_trust_root')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_root_seal_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_root_seal'))
    )
    with op.batch_alter_table('root_seal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_root_seal_root_id'), ['root_id'], unique=False)

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_json', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('key_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('signature', sa.String(length=100), nullable=False, server_default=''))
        batch_op.create_foreign_key(batch_op.f('fk_audit_event_key_id_user_key'), 'user_key', ['key_id'], ['id'])

    with op.batch_alter_table('user_key', schema=None) as batch_op:
        batch_op.add_column(sa.Column('certificate', sa.Text(), nullable=False, server_default=''))

    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('uuid', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('valid_from', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('valid_to', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('certificate', sa.Text(), nullable=False, server_default=''))
    conn = op.get_bind()
    for grant_id, created_at in conn.execute(sa.text(
            "SELECT role_grant.id, user_account.created_at FROM role_grant "
            "JOIN user_account ON user_account.id = role_grant.user_id")).all():
        conn.execute(sa.text("UPDATE role_grant SET uuid = :uuid, valid_from = :since WHERE id = :id"),
                     {"uuid": str(uuid.uuid4()), "since": created_at, "id": grant_id})
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.alter_column('uuid', existing_type=sa.String(length=36), nullable=False)
        batch_op.alter_column('valid_from', existing_type=sa.DateTime(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_role_grant_uuid'), ['uuid'])


def downgrade() -> None:
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_role_grant_uuid'), type_='unique')
        batch_op.drop_column('certificate')
        batch_op.drop_column('valid_to')
        batch_op.drop_column('valid_from')
        batch_op.drop_column('uuid')
    with op.batch_alter_table('user_key', schema=None) as batch_op:
        batch_op.drop_column('certificate')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_event_key_id_user_key'), type_='foreignkey')
        batch_op.drop_column('signature')
        batch_op.drop_column('key_id')
        batch_op.drop_column('record_json')
    with op.batch_alter_table('root_seal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_root_seal_root_id'))
    op.drop_table('root_seal')
    op.drop_table('trust_root')
