"""Ed25519 signing, sealing private keys (AES-GCM) and base64 text, shared by the audit log, security
and trust (no database here)."""

from __future__ import annotations

import base64
import json
import os

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.services.errors import InputError


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def public_key_text(private_key: Ed25519PrivateKey) -> str:
    return b64(private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def sign_bytes(private_key: Ed25519PrivateKey, data: bytes) -> str:
    return b64(private_key.sign(data))


def signature_valid(public_key: str, data: bytes, signature: str) -> bool:
    """Whether `signature` is `public_key`'s over `data`; any malformed input is simply not valid."""
    try:
        Ed25519PublicKey.from_public_bytes(unb64(public_key)).verify(unb64(signature), data)
        return True
    except (InvalidSignature, ValueError, TypeError, AttributeError, UnicodeError):
        return False


def seal_private_key(private_key: Ed25519PrivateKey, sealing_key: bytes) -> str:
    raw = private_key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())
    nonce = os.urandom(12)
    return json.dumps({"alg": "AES-256-GCM", "nonce": b64(nonce),
                       "data": b64(AESGCM(sealing_key).encrypt(nonce, raw, b"bangzhen ed25519"))})


def unseal_private_key(sealed: str, sealing_key: bytes) -> Ed25519PrivateKey:
    box = json.loads(sealed)
    try:
        raw = AESGCM(sealing_key).decrypt(unb64(box["nonce"]), unb64(box["data"]), b"bangzhen ed25519")
    except InvalidTag:
        raise InputError("签名密钥无法解开（密钥已损坏或与密码不符）。请联系系统管理员重置密码。",
                         "sealed key does not open") from None
    return Ed25519PrivateKey.from_private_bytes(raw)
