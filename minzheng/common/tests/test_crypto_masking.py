from minzheng.common import crypto
from minzheng.common.masking import mask_bank_account, mask_id_number, mask_name, mask_phone


def test_encrypt_round_trip_and_nonce_changes():
    first = crypto.encrypt("15250219920101002X")
    second = crypto.encrypt("15250219920101002X")
    assert first != second  # random nonce: equal values do not show up as equal ciphertexts
    assert crypto.decrypt(first) == "15250219920101002X"
    assert "15250219920101002X" not in first


def test_blind_index_is_stable_and_purpose_bound():
    assert crypto.blind_index("13812345678", purpose="phone") == crypto.blind_index(
        "13812345678", purpose="phone"
    )
    assert crypto.blind_index("13812345678", purpose="phone") != crypto.blind_index(
        "13812345678", purpose="id"
    )


def test_masks():
    assert mask_id_number("15250219920101002X") == "1525**********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_bank_account("6228480012345678901") == "***************8901"
    assert mask_name("张三丰") == "张**"
