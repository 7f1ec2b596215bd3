import pytest

from miniapp_api.services.customers.phones import InvalidPhone, normalize_phone, to_local_vn, to_zalo


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


@pytest.mark.parametrize("raw", ["09123ABCDE", "0912 345 abc", "zero912345678", "０９１２３４５６７８"])
def test_letters_and_foreign_digits_are_refused_not_read_as_a_keypad(raw):
    with pytest.raises(InvalidPhone) as refused:
        normalize_phone(raw)
    assert refused.value.reason == "letters"


@pytest.mark.parametrize("raw, reason", [("0912345678#12", "extension"), ("0912345678,12", "extension"),
                                         ("0912345678 ext 12", "letters"), ("0912345678;ext=12", "letters"),
                                         ("0912345678 x12", "letters")])
def test_extensions_are_refused_not_dropped(raw, reason):
    with pytest.raises(InvalidPhone) as refused:
        normalize_phone(raw)
    assert refused.value.reason == reason


@pytest.mark.parametrize("raw", ["1800 1234", "1900 1234", "+84 1900 1234"])
def test_toll_free_and_premium_numbers_are_refused(raw):
    with pytest.raises(InvalidPhone) as refused:
        normalize_phone(raw)
    assert refused.value.reason == "type"


def test_countries_limit_where_a_number_may_come_from():
    assert normalize_phone("+82 10 1234 5678") == "+821012345678"  # no limit given: any country
    with pytest.raises(InvalidPhone) as refused:
        normalize_phone("+82 10 1234 5678", ["VN"])
    assert refused.value.reason == "country"
    assert normalize_phone("+82 10 1234 5678", ["VN", "KR"]) == "+821012345678"
    assert normalize_phone("0912345678", ["VN", "KR"]) == "+84912345678"  # national form is Vietnamese
    assert normalize_phone("02838123456", ["VN"]) == "+842838123456"  # landlines are fine
