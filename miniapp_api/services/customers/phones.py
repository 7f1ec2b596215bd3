"""Phone numbers: one E.164 value in storage, local `0…` form for Vietnamese shops.

Parsing and validation are phonenumbers' (libphonenumber's metadata), with three
refusals it does not make by itself: letters (it reads them as keypad digits, so
`09123ABCDE` would become a real-looking number), extensions (it keeps them apart
and E.164 drops them), and numbers nobody can be reached on personally (toll-free,
premium, shared-cost). Which countries a form accepts is the caller's choice
(`countries`); a number is always read as Vietnamese unless it says otherwise. The
one thing the library does not know is Vietnam's 2018 renumbering of 11-digit
mobile prefixes (0162… → 032…), which customers still type, so that table lives here.
"""
from __future__ import annotations

import re
from collections.abc import Collection

import phonenumbers
from phonenumbers import PhoneNumberType

# Old mobile prefix (after the leading 0) → new prefix, per the 2018 renumbering.
LEGACY_MOBILE_PREFIXES = {
    "162": "32", "163": "33", "164": "34", "165": "35", "166": "36", "167": "37", "168": "38", "169": "39",
    "120": "70", "121": "79", "122": "77", "126": "76", "128": "78",
    "123": "83", "124": "84", "125": "85", "127": "81", "129": "82",
    "186": "56", "188": "58", "199": "59",
}
# What people put between digits, plus `#` and `,` that dialers use before an extension (refused
# after parsing, with its own reason); anything else (letters, `ext`, other scripts' digits) is refused first.
ALLOWED_CHARACTERS = re.compile(r"[0-9+\-.()\s#,]+")
# Numbers a customer can be called or messaged on.
PERSONAL_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE,
                            PhoneNumberType.FIXED_LINE_OR_MOBILE})
DEFAULT_REGION = "VN"


class InvalidPhone(ValueError):
    """Not an acceptable phone number; `reason` says why (letters, extension, country, type, invalid)."""

    def __init__(self, message: str, reason: str = "invalid"):
        super().__init__(message)
        self.reason = reason


def normalize_phone(raw: str, countries: Collection[str] | None = None) -> str:
    """Any common shape (`0912 345 678`, `84912345678`, `+84 912-345-678`, `0166…`) → `+84912345678`.

    `countries` (ISO 3166 codes) limits where the number may be from; None accepts any country.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidPhone("empty phone number")
    if not ALLOWED_CHARACTERS.fullmatch(raw):
        raise InvalidPhone("a phone number holds digits, spaces and + - . ( ) only", "letters")
    try:
        number = phonenumbers.parse(raw, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone("not a valid phone number") from exc
    if number.extension:
        raise InvalidPhone("extensions are not accepted", "extension")
    if not phonenumbers.is_valid_number(number) and number.country_code == 84:
        national = str(number.national_number)
        if len(national) == 10 and national[:3] in LEGACY_MOBILE_PREFIXES:
            number = phonenumbers.parse("+84" + LEGACY_MOBILE_PREFIXES[national[:3]] + national[3:])
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("not a valid phone number")
    if countries is not None and phonenumbers.region_code_for_number(number) not in countries:
        raise InvalidPhone("numbers from this country are not accepted", "country")
    if phonenumbers.number_type(number) not in PERSONAL_TYPES:
        raise InvalidPhone("not a personal phone number (toll-free, premium or shared-cost)", "type")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def to_local_vn(e164: str) -> str:
    """`+84912345678` → `0912345678`, the form Vietnamese POS systems store."""
    number = phonenumbers.parse(e164)
    if number.country_code != 84:
        return e164
    return "0" + str(number.national_number)


def to_zalo(e164: str) -> str:
    """`+84912345678` → `84912345678`, the form Zalo APIs send and accept."""
    return e164.lstrip("+")


_PHONE_LIKE = re.compile(r"^\+?[0-9][0-9 .()-]{7,18}$")
_VN_DIGITS = re.compile(r"^(84|0)[0-9]{8,10}$")  # a Vietnamese number, international or national form


def masked(phone: str) -> str:
    """`+84912345678` → `+84 91* *** *78`: enough to tell two numbers apart, not to call one."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("84") and (phone.startswith("+") or len(digits) == 11):
        prefix, national = "+84 ", digits[2:]
    elif digits.startswith("0"):
        prefix, national = "0", digits[1:]
    else:
        prefix, national = "", digits
    hidden = national[:2] + "*" * (len(national) - 4) + national[-2:] if len(national) > 4 else "*" * len(national)
    return prefix + " ".join(hidden[i:i + 3] for i in range(0, len(hidden), 3))


def mask_phones_in(value):
    """`value` with every string that looks like a phone number masked, however deep in lists and dicts."""
    if isinstance(value, str):
        phone = _PHONE_LIKE.match(value) and _VN_DIGITS.match(re.sub(r"\D", "", value))
        return masked(value) if phone else value
    if isinstance(value, dict):
        return {key: mask_phones_in(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_phones_in(item) for item in value]
    return value
