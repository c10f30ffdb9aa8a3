"""Field encryption at rest and keyed blind indexes (ADR 0008).

* Values are encrypted with AES-256-GCM; the stored form is ``<key id>$<base64(nonce|ciphertext)>``
  so keys can be rotated (new writes use the first key, reads try the key named in the value).
* Exact lookups use a blind index: HMAC-SHA256 of the normalised value under a separate key,
  with a per-purpose prefix so equal phone and ID strings never share an index value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_NONCE_BYTES = 12


@dataclass(frozen=True)
class _Keyring:
    current_id: str
    keys: dict[str, bytes]
    index_key: bytes


def _derive(label: str) -> bytes:
    return hashlib.sha256(f"minzheng:{label}:{settings.SECRET_KEY}".encode()).digest()


@lru_cache(maxsize=1)
def _keyring() -> _Keyring:
    configured: list[str] = list(settings.FIELD_ENCRYPTION_KEYS)
    keys: dict[str, bytes] = {}
    for item in configured:
        key_id, _, encoded = item.partition(":")
        key = base64.b64decode(encoded)
        if len(key) != 32 or not key_id or "$" in key_id:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS entries must be 'id:base64(32 bytes)'")
        keys[key_id] = key
    if not keys:
        keys = {"dev": _derive("field")}
    index_key = base64.b64decode(settings.BLIND_INDEX_KEY) if settings.BLIND_INDEX_KEY else _derive("index")
    return _Keyring(current_id=next(iter(keys)), keys=keys, index_key=index_key)


def reset_keyring() -> None:
    """Forget cached keys (tests that change settings call this)."""
    _keyring.cache_clear()


def encrypt(plaintext: str) -> str:
    ring = _keyring()
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(ring.keys[ring.current_id]).encrypt(nonce, plaintext.encode(), None)
    return f"{ring.current_id}${base64.b64encode(nonce + sealed).decode()}"


def decrypt(stored: str) -> str:
    ring = _keyring()
    key_id, _, encoded = stored.partition("$")
    if key_id not in ring.keys:
        raise ImproperlyConfigured(f"No field-encryption key with id {key_id!r}")
    raw = base64.b64decode(encoded)
    return AESGCM(ring.keys[key_id]).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], None).decode()


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed hash for exact-match lookup; ``value`` must already be normalised."""
    mac = hmac.new(_keyring().index_key, f"{purpose}\x00{value}".encode(), hashlib.sha256)
    return mac.hexdigest()


def encryptor() -> tuple[AESGCM, str]:
    """The current cipher and key id, for batch paths that encrypt many values."""
    ring = _keyring()
    return AESGCM(ring.keys[ring.current_id]), ring.current_id


def index_hasher(purpose: str) -> hmac.HMAC:
    """A prepared HMAC for batch paths; ``.copy().update(value)`` per row."""
    return hmac.new(_keyring().index_key, f"{purpose}\x00".encode(), hashlib.sha256)
