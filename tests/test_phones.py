import pytest

from miniapp_api.services.phones import InvalidPhone, normalize_phone, to_local_vn, to_zalo


@pytest.mark.parametrize("raw", ["0912 345 678", "84912345678", "+84 912-345-678", "(+84) 912.345.678",
                                 "0912345678", " 0912345678 "])
def test_common_shapes_normalise_to_one_value(raw):
    assert normalize_phone(raw) == "+84912345678"


@pytest.mark.parametrize("raw, expected", [("01662345678", "+84362345678"), ("0120 234 5678", "+84702345678"),
                                           ("84 1234567890", "+84834567890"), ("01992345678", "+84592345678")])
def test_old_eleven_digit_prefixes_are_renumbered(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "abc", "12345", "0912", "091234567890123", None, "+84 000 000 000"])
def test_invalid_numbers_are_refused(raw):
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)


def test_output_forms():
    assert to_local_vn("+84912345678") == "0912345678"
    assert to_zalo("+84912345678") == "84912345678"
    assert to_local_vn("+16502530000") == "+16502530000"
