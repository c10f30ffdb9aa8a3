"""Personal-data key rotation without downtime, and SM4 behind the same interface (issue 16; ADR 0027)."""

from __future__ import annotations

import base64

import pytest
from cryptography.exceptions import InvalidTag
from django.core.management import CommandError, call_command

from minzheng.common import crypto
from minzheng.common.ciphers import OPENSSL_SM, Sm4Cipher, hmac_sm3, sm4_block_encrypt
from minzheng.common.crypto_rotation import rotate, stale_count, targets
from minzheng.registry.models import Household, Person
from minzheng.registry.selectors import person_find_by_id_number

KEY_A = "a:" + base64.b64encode(bytes(range(32))).decode()
KEY_B = "b:" + base64.b64encode(bytes(range(32, 64))).decode()
KEY_S = "s:sm4:" + base64.b64encode(bytes(range(64, 96))).decode()


def stored_values() -> list[str]:
    """Every non-empty ciphertext in every encrypted column."""
    values = []
    for target in targets():
        for row in target.model._default_manager.values_list(*target.columns):
            values.extend(v for v in row if v)
    return values


def readable() -> list[tuple[str, str, str]]:
    return sorted(
        (p.name, p.id_number, p.household.bank_account if p.household else "")
        for p in Person.objects.select_related("household")
    )


@pytest.mark.django_db
@pytest.mark.parametrize("new_key", [KEY_B, KEY_S], ids=["aes-to-aes", "aes-to-sm4"])
def test_rotation_rewrites_every_value_while_rows_stay_readable(settings, users, household_factory, new_key):
    # given: three households written with key A
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    homes = [household_factory(head_name=name) for name in ("赵一", "钱二", "孙三")]
    before = readable()
    number = homes[1].head.id_number
    assert {crypto.key_id_of(v) for v in stored_values()} == {"a"}

    # when: the new key becomes current (A kept for reading); a new write uses it at once
    settings.FIELD_ENCRYPTION_KEYS = [new_key, KEY_A]
    new_id = new_key.split(":")[0]
    household_factory(head_name="李四")
    seen_during: list[list[tuple[str, str, str]]] = []
    rewritten = sum(
        rotate(target, chunk=1, progress=lambda *_: seen_during.append(readable())) for target in targets()
    )

    # then: readable after every chunk, nothing left on A, and A can be dropped
    assert rewritten == len(before) * 2  # an ID number per person, a bank account per household
    assert all(set(before) <= set(snapshot) for snapshot in seen_during)
    assert len(seen_during) >= 6
    assert {crypto.key_id_of(v) for v in stored_values()} == {new_id}
    assert all(stale_count(target) == 0 for target in targets())
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert set(before) <= set(readable())
    found = person_find_by_id_number(actor=users["caseworker"], id_number=number)
    assert found is not None
    assert found.pk == homes[1].head.pk
    assert Household.objects.get(pk=homes[0].pk).bank_account == "6228480012345678901"


@pytest.mark.django_db
def test_rotation_command_is_resumable_and_reports_completion(settings, household_factory, capsys):
    # given
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    household_factory(head_name="赵一")
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    with pytest.raises(CommandError, match="仍有使用旧密钥的数据"):
        call_command("rotate_personal_data_keys", "--check")

    # when: run twice (the second run finds nothing to do)
    call_command("rotate_personal_data_keys", "--chunk", "1")
    call_command("rotate_personal_data_keys")

    # then
    out = capsys.readouterr().out
    assert "registry.Person：1 行待重新加密" in out
    assert out.count("全部个人信息已使用当前密钥加密") == 2
    call_command("rotate_personal_data_keys", "--check")


def test_sm4_known_answer_gb_t_32907_2016():
    # GB/T 32907-2016, appendix A example 1: key = plaintext = 0123456789abcdeffedcba9876543210
    vector = bytes.fromhex("0123456789abcdeffedcba9876543210")
    expected = "681edf34d206965e86b3e94f536e4246"
    assert sm4_block_encrypt(vector, vector, use_openssl=False).hex() == expected  # gmssl
    if OPENSSL_SM:
        assert sm4_block_encrypt(vector, vector, use_openssl=True).hex() == expected


def test_hmac_sm3_of_gmssl_and_openssl_agree():
    assert OPENSSL_SM, "this machine's OpenSSL has SM3/SM4; the fallback alone would be too slow"
    assert hmac_sm3(b"k" * 16, b"abc", use_openssl=False) == hmac_sm3(b"k" * 16, b"abc", use_openssl=True)


def test_sm4_round_trip_tamper_and_same_bytes_from_both_backends(settings):
    # given
    key, nonce = bytes(range(32)), b"n" * 12
    sealed = Sm4Cipher(key, use_openssl=OPENSSL_SM).encrypt(nonce, b"110101199003077777", None)

    # then: gmssl reads what OpenSSL wrote, a flipped byte is refused
    assert Sm4Cipher(key, use_openssl=False).decrypt(nonce, sealed, None) == b"110101199003077777"
    with pytest.raises(InvalidTag):
        Sm4Cipher(key).decrypt(nonce, sealed[:5] + bytes([sealed[5] ^ 1]) + sealed[6:], None)
    # through the field interface with an SM4 key
    settings.FIELD_ENCRYPTION_KEYS = [KEY_S]
    stored = crypto.encrypt("13800138000")
    assert stored.startswith("s$")
    assert crypto.decrypt(stored) == "13800138000"
    assert crypto.key_algorithm("s") == "sm4"
