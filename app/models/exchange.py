"""Offline exchange between installations (services.exchange): the installations this one exchanges
packages with (`Peer`, registered from their key file), the people of a peer whose signatures arrived
here (`PeerUser`), and the events in each direction: `OutboxEvent`s numbered per receiver and kept
until the receiver acknowledges them, `InboxEvent`s kept as they arrived, by (sender, sequence). The
signed export and import acts vouch for both by a digest over the rows they wrote (services.verify_exchange)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.types import utcnow


class Peer(Base):
    """Another installation (a town's, county's, city's or the province's), known by its installation id
    and root key. The counters say how far the exchange has come in each direction; each change of
    them is a signed act here (package exported, package imported), so they are checked records."""

    __tablename__ = "peer"

    id: Mapped[int] = mapped_column(primary_key=True)
    installation: Mapped[str] = mapped_column(String(36), unique=True)
    region_code: Mapped[str] = mapped_column(String(9))
    name: Mapped[str] = mapped_column(String(120))
    public_key: Mapped[str] = mapped_column(String(64), unique=True)  # the peer's root key
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sent: Mapped[int] = mapped_column(default=0)       # highest sequence number given to an event for it
    acknowledged: Mapped[int] = mapped_column(default=0)    # highest of ours it confirmed it applied
    received: Mapped[int] = mapped_column(default=0)        # highest of its events applied here, without gaps
    peer_head: Mapped[str] = mapped_column(String(80), default="")  # its audit head, as its last package said
    witnessed: Mapped[str] = mapped_column(String(80), default="")  # our head, as its last package saw it


class PeerUser(Base):
    """A person of a peer installation whose key signed something that arrived here: kept as a user who
    can never log in, so their signatures verify like local ones, but through the peer's root (their
    username as the peer certified it is kept here; the local one is made unique)."""

    __tablename__ = "peer_user"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("peer.id"), index=True)
    username: Mapped[str] = mapped_column(String(40))


class OutboxEvent(Base):
    """One event for one peer: the state of one record at the moment it was exported (`payload`, JSON),
    numbered 1, 2, 3... per peer. Sent again with every package until the peer acknowledges it."""

    __tablename__ = "outbox_event"
    __table_args__ = (UniqueConstraint("peer_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("peer.id"))
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))
    entity_uuid: Mapped[str] = mapped_column(String(36))
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of the payload: unchanged records are not sent again
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboxEvent(Base):
    """One event as a peer sent it, once its turn came (an event after a gap is not kept: the peer sends
    it again). `state`: created, updated, unchanged (nothing to change, or older than what is here),
    refused or conflict (with the reason in `note`)."""

    __tablename__ = "inbox_event"
    __table_args__ = (UniqueConstraint("peer_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("peer.id"))
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))
    entity_uuid: Mapped[str] = mapped_column(String(36))
    payload: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
