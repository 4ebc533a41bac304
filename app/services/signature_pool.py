"""Ed25519 checks on every core: `verify` hands batches of (public key, signature, message) to worker
processes while it goes on reading the database, and collects the positions that failed.

Small databases are checked in the calling process (starting workers costs more than it saves). The
workers are started with "spawn": `verify` may run on a GUI worker thread, and forking a threaded
process is unsafe. They import only this module and `cryptography`.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

BATCH = 4096
INLINE_BELOW = 30_000  # signatures: fewer than this are checked here, without workers

Item = tuple[object, bytes, bytes, bytes]  # (tag, raw public key, raw signature, message)


def failures(items: list[Item]) -> list[object]:
    """The tags of the items whose signature does not hold (runs in a worker, or here)."""
    failed = []
    keys: dict[bytes, Ed25519PublicKey | None] = {}
    for tag, public, signature, message in items:
        if public not in keys:
            try:
                keys[public] = Ed25519PublicKey.from_public_bytes(public)
            except ValueError:
                keys[public] = None
        key = keys[public]
        try:
            if key is None:
                raise ValueError
            key.verify(signature, message)
        except Exception:  # noqa: BLE001 - any failure means the signature does not hold
            failed.append(tag)
    return failed


class SignaturePool:
    """Collects items; checks each full batch on a worker (or inline when the job is small)."""

    def __init__(self, expected: int, on_failure: Callable[[object], None]) -> None:
        self._on_failure = on_failure
        self._batch: list[Item] = []
        self._pending: list[Future] = []
        self._executor = None
        self.checked = 0
        if expected >= INLINE_BELOW and (os.cpu_count() or 1) > 1:
            self._executor = ProcessPoolExecutor(max_workers=os.cpu_count(),
                                                 mp_context=multiprocessing.get_context("spawn"))

    def add(self, tag: object, public: bytes, signature: bytes, message: bytes) -> None:
        self._batch.append((tag, public, signature, message))
        self.checked += 1
        if len(self._batch) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        if not batch:
            return
        if self._executor is None:
            for tag in failures(batch):
                self._on_failure(tag)
        else:
            self._pending.append(self._executor.submit(failures, batch))
            self._collect(wait=len(self._pending) > 8)  # keep a bounded queue of batches in flight

    def _collect(self, wait: bool) -> None:
        still = []
        for future in self._pending:
            if wait or future.done():
                for tag in future.result():
                    self._on_failure(tag)
                wait = False
            else:
                still.append(future)
        self._pending = still

    def close(self) -> None:
        """Check what is left and wait for every batch; the failures have been reported when this returns."""
        self._flush()
        for future in self._pending:
            for tag in future.result():
                self._on_failure(tag)
        self._pending = []
        if self._executor is not None:
            self._executor.shutdown()
            self._executor = None

    def cancel(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
