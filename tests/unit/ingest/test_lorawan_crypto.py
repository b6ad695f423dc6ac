"""LoRaWAN FRMPayload encryption against a published vector, and key wrapping."""

from __future__ import annotations

import os

import pytest

from ingest.lorawan_crypto import KeyUnusable, KeyWrapper, frm_payload

# The example of the lora-packet library's README (github.com/anthonykirby/lora-packet):
# PHYPayload 40F17DBE4900020001954378762B11FF0D, DevAddr 49BE7DF1, FCnt 2, FPort 1,
# AppSKey EC925802AE430CA77FD3DD73CB2CC588, FRMPayload 95437876 decrypts to "test".
APP_SKEY = bytes.fromhex("ec925802ae430ca77fd3dd73cb2cc588")


def test_published_vector() -> None:
    assert frm_payload(APP_SKEY, "49be7df1", 2, bytes.fromhex("95437876")) == b"test"


def test_encryption_is_its_own_inverse_over_several_blocks() -> None:
    payload = os.urandom(51)
    secret = frm_payload(APP_SKEY, "01020304", 70000, payload)
    assert secret != payload
    assert frm_payload(APP_SKEY, "01020304", 70000, secret) == payload
    assert frm_payload(APP_SKEY, "01020304", 70001, secret) != payload


def test_keys_are_wrapped_bound_to_their_device_and_never_shown() -> None:
    wrapper = KeyWrapper(bytes(range(32)))
    blob = wrapper.wrap(APP_SKEY, "0102030405060708")
    assert APP_SKEY not in blob and APP_SKEY.hex() not in repr(wrapper)
    assert wrapper.unwrap(blob, "0102030405060708") == APP_SKEY
    with pytest.raises(KeyUnusable):
        wrapper.unwrap(blob, "0102030405060709")
    with pytest.raises(KeyUnusable):
        KeyWrapper(bytes(32)).unwrap(blob, "0102030405060708")
    with pytest.raises(KeyUnusable):
        KeyWrapper(b"short")
