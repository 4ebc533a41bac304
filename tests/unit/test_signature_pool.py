"""The signature pool finds every bad signature, whether it checks inline or on worker processes."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.services import signature_pool


@pytest.mark.parametrize("inline_below", [10**9, 0], ids=["inline", "workers"])
def test_every_bad_signature_is_reported_once(monkeypatch, inline_below):
    monkeypatch.setattr(signature_pool, "INLINE_BELOW", inline_below)
    monkeypatch.setattr(signature_pool, "BATCH", 7)  # several batches, the last one short
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    failed: list[int] = []
    pool = signature_pool.SignaturePool(50, failed.append)
    bad = {3, 17, 18, 49}
    for n in range(50):
        message = f"event {n}".encode()
        signature = key.sign(message)
        if n in bad:
            signature = key.sign(b"something else")
        pool.add(n, b"short key" if n == 17 else public, signature, message)
    pool.close()
    assert sorted(failed) == sorted(bad) and pool.checked == 50
