"""Audit search that never freezes (issue 19): indexes on audit_event.occurred_at for the date filter and
on entity_type alone (a kind's events newest first, for “报账” and the like), and the FTS5 text index with the triggers that keep it in step (services.audit_search), filled with the
events already in the file (about 17 s for a province's 2.3 million events).

The statements are the module's own, not a copy: the index is derived data, and verify compares the
file's triggers with that module; a later change to them comes with its own migration.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from alembic import op

from app.services import audit_search

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_audit_event_occurred_at', 'audit_event', ['occurred_at'], unique=False)
    op.create_index('ix_audit_event_kind', 'audit_event', ['entity_type'], unique=False)
    for statement in audit_search.SCHEMA:
        op.execute(statement)
    op.execute(audit_search.BACKFILL)


def downgrade() -> None:
    for name in audit_search.TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    op.execute(f"DROP TABLE {audit_search.TERMS}")
    op.execute(f"DROP TABLE {audit_search.TABLE}")
    op.drop_index('ix_audit_event_kind', table_name='audit_event')
    op.drop_index('ix_audit_event_occurred_at', table_name='audit_event')
