"""LoRaWAN 1.0.x application payload encryption, and AppSKeys kept encrypted at rest.

FRMPayload (LoRaWAN 1.0.x specification, section 4.3.3): AES-128 in a counter-like mode, the
blocks A_i = 0x01 | 4 x 0x00 | Dir | DevAddr (little-endian) | FCnt (32-bit, little-endian) |
0x00 | i, encrypted with the AppSKey (FPort > 0) and XORed with the payload. The same operation
encrypts and decrypts.

A town that keeps its application keys (the shared network's operator cannot read the data)
stores each AppSKey wrapped with AES-256-GCM under a master key from the settings; the key
bytes never appear in logs, reprs or API answers.

The cryptography package is loaded on first use: a bridge whose network server decrypts every
frame (the town holds no AppSKey, sets no master key) never needs it, and loading it cost the
bridge's processor 9 MB (``VmRSS`` before and after the import).
"""

from __future__ import annotations

import os

from kernel.types import Uplink

UPLINK, DOWNLINK = 0, 1
_WRAP_VERSION = b"\x01"


class KeyUnusable(Exception):
    """A key or wrapped key that cannot be used (wrong size, wrong master key, tampered)."""


def frm_payload(key: bytes, dev_addr: str, f_cnt: int, payload: bytes, direction: int = UPLINK) -> bytes:
    """Encrypt or decrypt a FRMPayload with a 16-byte session key."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    if len(key) != 16:
        raise KeyUnusable("a LoRaWAN session key is 16 bytes")
    addr = bytes.fromhex(dev_addr)
    if len(addr) != 4:
        raise KeyUnusable("a DevAddr is 4 bytes")
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    blocks = (len(payload) + 15) // 16
    stream = b"".join(
        encryptor.update(
            bytes([0x01, 0, 0, 0, 0, direction])
            + addr[::-1]
            + (f_cnt & 0xFFFFFFFF).to_bytes(4, "little")
            + bytes([0x00, i])
        )
        for i in range(1, blocks + 1)
    )
    return bytes(p ^ s for p, s in zip(payload, stream, strict=False))


class KeyWrapper:
    """Wraps session keys with AES-256-GCM under a master key; its repr shows no key."""

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != 32:
            raise KeyUnusable("the master key is 32 bytes (64 hex digits)")
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._aead = AESGCM(master_key)

    @classmethod
    def from_setting(cls, master_key_hex: str | None) -> KeyWrapper | None:
        """The wrapper of ``RELEVE_MASTER_KEY`` (64 hex digits), or None when it is not set."""
        if not master_key_hex:
            return None
        try:
            return cls(bytes.fromhex(master_key_hex))
        except ValueError as exc:
            raise KeyUnusable("the master key must be 64 hexadecimal digits") from exc

    def __repr__(self) -> str:
        return "KeyWrapper(<master key hidden>)"

    def wrap(self, key: bytes, dev_eui: str) -> bytes:
        nonce = os.urandom(12)
        return _WRAP_VERSION + nonce + self._aead.encrypt(nonce, key, dev_eui.encode())

    def unwrap(self, blob: bytes, dev_eui: str) -> bytes:
        if len(blob) < 13 or blob[:1] != _WRAP_VERSION:
            raise KeyUnusable("not a wrapped key")
        from cryptography.exceptions import InvalidTag

        try:
            return self._aead.decrypt(blob[1:13], blob[13:], dev_eui.encode())
        except InvalidTag as exc:
            raise KeyUnusable("wrong master key, or a wrapped key of another device") from exc


def plaintext(up: Uplink, wrapped: bytes | None, keys: KeyWrapper | None) -> bytes:
    """An uplink's payload, decrypted with its device's AppSKey (``wrapped`` under the master key
    of ``keys``) when the town holds it: a device with a stored AppSKey sends frames the network
    server could not read (it does not have the key), decrypted here per LoRaWAN 1.0.x."""
    if wrapped is None:
        if up.encrypted:
            raise KeyUnusable("the payload is encrypted and releve holds no AppSKey for this device")
        return up.payload
    if keys is None:
        raise KeyUnusable("an AppSKey is stored but RELEVE_MASTER_KEY is not set")
    if up.dev_addr is None or up.f_cnt is None:
        raise KeyUnusable("decryption needs the DevAddr and frame counter, absent from the envelope")
    return frm_payload(keys.unwrap(wrapped, up.dev_eui), up.dev_addr, up.f_cnt, up.payload)
