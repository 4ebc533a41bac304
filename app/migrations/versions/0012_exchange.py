"""Offline exchange (issue 16): the peer installations this one exchanges packages with, the people of a
peer whose signatures arrived here, and the events sent and received. New tables only.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa

import app.models.types


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('peer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('installation', sa.String(length=36), nullable=False),
    sa.Column('region_code', sa.String(length=9), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('added_at', app.models.types.UTCDateTime(), nullable=False),
    sa.Column('last_sent', sa.Integer(), nullable=False),
    sa.Column('acknowledged', sa.Integer(), nullable=False),
    sa.Column('received', sa.Integer(), nullable=False),
    sa.Column('peer_head', sa.String(length=80), nullable=False),
    sa.Column('witnessed', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peer')),
    sa.UniqueConstraint('installation', name=op.f('uq_peer_installation')),
    sa.UniqueConstraint('public_key', name=op.f('uq_peer_public_key'))
    )
    op.create_table('inbox_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('peer_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('entity_uuid', sa.String(length=36), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('received_at', app.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['peer_id'], ['peer.id'], name=op.f('fk_inbox_event_peer_id_peer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_event')),
    sa.UniqueConstraint('peer_id', 'seq', name=op.f('uq_inbox_event_peer_id'))
    )
    op.create_table('outbox_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('peer_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('entity_uuid', sa.String(length=36), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['peer_id'], ['peer.id'], name=op.f('fk_outbox_event_peer_id_peer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_event')),
    sa.UniqueConstraint('peer_id', 'seq', name=op.f('uq_outbox_event_peer_id'))
    )
    op.create_table('peer_user',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('peer_id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['peer_id'], ['peer.id'], name=op.f('fk_peer_user_peer_id_peer')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_peer_user_user_id_user_account')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_peer_user'))
    )
    with op.batch_alter_table('peer_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_peer_user_peer_id'), ['peer_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('peer_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_peer_user_peer_id'))

    op.drop_table('peer_user')
    op.drop_table('outbox_event')
    op.drop_table('inbox_event')
    op.drop_table('peer')
