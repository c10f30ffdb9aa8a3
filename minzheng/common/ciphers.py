"""The field ciphers behind ``common.crypto``: AES-256-GCM, and SM4 (GB/T 32907-2016) as the national-standard
option (ADR 0027). Both answer the AEAD interface of ``cryptography``'s ``AESGCM`` —
``encrypt(nonce, data, aad)`` / ``decrypt(nonce, data, aad)`` with a 12-byte nonce — so a key of either kind
sits in the same keyring and the stored form ``<key id>$<base64(nonce|sealed)>`` is the same.

SM4 has no authenticated mode in ``gmssl``: ``Sm4Cipher`` is encrypt-then-MAC, SM4-CBC (IV = the random
nonce padded to 16 bytes, PKCS#7) followed by HMAC-SM3 over nonce, associated data and ciphertext. The 32-byte
configured key is split: the first 16 bytes are the SM4 key, the last 16 the MAC key.

``gmssl`` is pure Python (about 2 ms per field for SM4 and 6 ms per SM3 hash), far too slow for a list page or
a rotation of a million rows, so SM4 and SM3 run in OpenSSL (through ``cryptography``) where the OpenSSL build
has them, which Debian's does; ``gmssl`` is the fallback for builds without them. Both produce the same bytes
(the tests check both against the standard's known answer and against each other).
"""

from __future__ import annotations

import hmac
from typing import Protocol

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives import hmac as openssl_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from gmssl import func, sm3
from gmssl.sm4 import SM4_DECRYPT, SM4_ENCRYPT, CryptSM4

KEY_BYTES = 32
NONCE_BYTES = 12
_SM3_BLOCK = 64
_TAG_BYTES = 32


class FieldCipher(Protocol):
    def encrypt(self, nonce: bytes, data: bytes, associated_data: bytes | None) -> bytes: ...

    def decrypt(self, nonce: bytes, data: bytes, associated_data: bytes | None) -> bytes: ...


def _openssl_has_sm() -> bool:
    try:
        Cipher(algorithms.SM4(bytes(16)), modes.CBC(bytes(16))).encryptor()
        openssl_hmac.HMAC(bytes(16), hashes.SM3())
    except (UnsupportedAlgorithm, AttributeError):
        return False
    return True


OPENSSL_SM = _openssl_has_sm()


def sm3_digest(data: bytes) -> bytes:
    return bytes.fromhex(sm3.sm3_hash(func.bytes_to_list(data)))


def hmac_sm3(key: bytes, message: bytes, *, use_openssl: bool = OPENSSL_SM) -> bytes:
    """HMAC (RFC 2104) over SM3 (GB/T 32905-2016); 64-byte blocks, 32-byte output."""
    if use_openssl:
        mac = openssl_hmac.HMAC(key, hashes.SM3())
        mac.update(message)
        return mac.finalize()
    if len(key) > _SM3_BLOCK:
        key = sm3_digest(key)
    key = key.ljust(_SM3_BLOCK, b"\0")
    inner = sm3_digest(bytes(b ^ 0x36 for b in key) + message)
    return sm3_digest(bytes(b ^ 0x5C for b in key) + inner)


def sm4_block_encrypt(key: bytes, block: bytes, *, use_openssl: bool = OPENSSL_SM) -> bytes:
    """One 16-byte block in ECB (the standard's known-answer test)."""
    if use_openssl:
        encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305 - one block, a test vector
        return encryptor.update(block) + encryptor.finalize()
    cipher = CryptSM4(padding_mode=3)  # any value other than PKCS7/ZERO: no padding
    cipher.set_key(key, SM4_ENCRYPT)
    return bytes(cipher.crypt_ecb(block))


class Sm4Cipher:
    algorithm = "sm4"

    def __init__(self, key: bytes, *, use_openssl: bool = OPENSSL_SM) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError("SM4 field keys are 32 bytes: 16 for SM4, 16 for HMAC-SM3")
        self._key, self._mac_key, self._openssl = key[:16], key[16:], use_openssl
        if not use_openssl:
            self._encrypting = CryptSM4()
            self._encrypting.set_key(self._key, SM4_ENCRYPT)
            self._decrypting = CryptSM4()
            self._decrypting.set_key(self._key, SM4_DECRYPT)

    def _tag(self, nonce: bytes, data: bytes, associated_data: bytes | None) -> bytes:
        aad = associated_data or b""
        message = nonce + len(aad).to_bytes(8, "big") + aad + data
        return hmac_sm3(self._mac_key, message, use_openssl=self._openssl)

    def _cbc(self, iv: bytes, data: bytes, *, encrypt: bool) -> bytes:
        if not self._openssl:
            gm = self._encrypting if encrypt else self._decrypting
            return bytes(gm.crypt_cbc(iv, data))
        cipher = Cipher(algorithms.SM4(self._key), modes.CBC(iv))
        if encrypt:
            padder = padding.PKCS7(128).padder()
            padded = padder.update(data) + padder.finalize()
            encryptor = cipher.encryptor()
            return encryptor.update(padded) + encryptor.finalize()
        decryptor = cipher.decryptor()
        unpadder = padding.PKCS7(128).unpadder()
        return unpadder.update(decryptor.update(data) + decryptor.finalize()) + unpadder.finalize()

    def encrypt(self, nonce: bytes, data: bytes, associated_data: bytes | None) -> bytes:
        sealed = self._cbc(nonce.ljust(16, b"\0"), data, encrypt=True)
        return sealed + self._tag(nonce, sealed, associated_data)

    def decrypt(self, nonce: bytes, data: bytes, associated_data: bytes | None) -> bytes:
        sealed, tag = data[:-_TAG_BYTES], data[-_TAG_BYTES:]
        if len(sealed) < 16 or not hmac.compare_digest(tag, self._tag(nonce, sealed, associated_data)):
            raise InvalidTag
        return self._cbc(nonce.ljust(16, b"\0"), sealed, encrypt=False)


def make_cipher(algorithm: str, key: bytes) -> FieldCipher:
    if algorithm == "aes":
        return AESGCM(key)
    if algorithm == "sm4":
        return Sm4Cipher(key)
    raise ValueError(f"unknown field cipher {algorithm!r}")
