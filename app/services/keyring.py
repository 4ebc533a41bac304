"""Signing keys unlocked in this process.

A user's private key is sealed under their password (services.security). It is opened when they log in,
because the password is typed then, and kept here, in memory only, until they log out or the program
ends. Every act they do is signed with it: each audit event carries the actor's signature, so rewriting
history needs the private keys, not just write access to the file. An administrator's login opens the
installation's root key the same way (services.trust); it certifies the keys and role grants they make.

Keys are held by their public half, so a key retired by a password reset is simply never asked for again.
"""

from __future__ import annotations

from threading import Lock

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.models import User, UserKey

_held: dict[str, Ed25519PrivateKey] = {}
_lock = Lock()


def hold(public_key: str, private_key: Ed25519PrivateKey) -> None:
    with _lock:
        _held[public_key] = private_key


def private_key(public_key: str) -> Ed25519PrivateKey | None:
    with _lock:
        return _held.get(public_key)


def drop(public_keys: list[str]) -> None:
    with _lock:
        for public_key in public_keys:
            _held.pop(public_key, None)


def active(user: User) -> UserKey | None:
    """The user's key in use: the newest not retired (a reset retires the old one and drops its private half)."""
    return next((k for k in reversed(user.keys) if k.retired_at is None and k.sealed_private_key), None)


def signer(user: User) -> tuple[UserKey, Ed25519PrivateKey] | None:
    """The user's active key and its unlocked private half, when they have logged in in this process."""
    key = active(user)
    opened = None if key is None else private_key(key.public_key)
    return None if opened is None else (key, opened)


def log_out(user: User) -> None:
    drop([key.public_key for key in user.keys])
