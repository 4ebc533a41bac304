"""People and what they did: `User` with role grants scoped to a region, the append-only,
hash-chained and signed `AuditEvent` log, key/value `Setting`s a county chooses, and the
installation's root of trust (`TrustRoot`, sealed for each administrator by `RootSeal`) that
certifies every user key and role grant."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, new_uuid
from app.domain.enums import UserRole
from app.models.types import enum_column, utcnow


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    must_change_password: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    grants: Mapped[list[RoleGrant]] = relationship(back_populates="user", cascade="all, delete-orphan")
    keys: Mapped[list[UserKey]] = relationship(back_populates="user", order_by="UserKey.id")


class UserKey(Base):
    """A user's Ed25519 signing key. The private half is sealed under the user's password and is
    dropped when the key is retired (admin reset re-keys); the public half stays, so signatures
    made with it still verify."""

    __tablename__ = "user_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    public_key: Mapped[str] = mapped_column(String(64), unique=True)  # raw 32 bytes, base64
    sealed_private_key: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]
    certificate: Mapped[str] = mapped_column(Text, default="")  # the root's signature (services.trust)

    user: Mapped[User] = relationship(back_populates="keys")


class RoleGrant(Base):
    """A role held by a user within one region (NBS code of a city, county or town; '44' = province)
    from `valid_from` until `valid_to` (None: still held). A grant is never deleted, only ended, so the
    roles someone held when they acted stay on record; each state carries the root's certificate."""

    __tablename__ = "role_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[UserRole] = mapped_column(enum_column(UserRole))
    region_code: Mapped[str] = mapped_column(String(9))
    valid_from: Mapped[datetime] = mapped_column(default=utcnow)
    valid_to: Mapped[datetime | None]
    certificate: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship(back_populates="grants")


class AuditEvent(Base):
    """Append-only: each event stores the hash of the previous one, so a gap or an edit shows."""

    __tablename__ = "audit_event"
    # An entity's events, and (kind alone) a kind's events newest first: an index keeps the rowid order.
    __table_args__ = (Index("ix_audit_event_entity", "entity_type", "entity_uuid"),
                      Index("ix_audit_event_kind", "entity_type"))

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_uuid: Mapped[str] = mapped_column(String(36))
    reason: Mapped[str] = mapped_column(Text, default="")
    before_json: Mapped[str] = mapped_column(Text, default="")
    after_json: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)  # no fork in the chain
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The state of the record after the act (services.records), covered by the hash; "" for acts
    # that change no checked record.
    record_json: Mapped[str] = mapped_column(Text, default="")
    # The actor's Ed25519 signature over `hash`, made with their key `key_id` ("" only for the few
    # acts made without one, such as a wrong password: see audit.UNSIGNED_ACTIONS).
    key_id: Mapped[int | None] = mapped_column(ForeignKey("user_key.id"))
    signature: Mapped[str] = mapped_column(String(100), default="")


class Setting(Base):
    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class TrustRoot(Base):
    """The installation's root key. Its fingerprint lives outside the file too (the 密钥登记表 on
    paper, the trust file beside the database, every exchange package). The row carries its own
    certificate: the root's signature over the installation id, its public key, when it was made and
    how many audit events came before it (events from before signing existed, which verify accepts
    unsigned)."""

    __tablename__ = "trust_root"

    id: Mapped[int] = mapped_column(primary_key=True)
    installation: Mapped[str] = mapped_column(String(36))
    public_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    legacy_events: Mapped[int] = mapped_column(default=0)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("trust_root.id"))
    retired_at: Mapped[datetime | None]
    certificate: Mapped[str] = mapped_column(Text)


class RootSeal(Base):
    """The root's private key sealed for one administrator (under their password) or, with no user,
    under the recovery code printed once on the recovery sheet."""

    __tablename__ = "root_seal"

    id: Mapped[int] = mapped_column(primary_key=True)
    root_id: Mapped[int] = mapped_column(ForeignKey("trust_root.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    sealed: Mapped[str] = mapped_column(Text)
