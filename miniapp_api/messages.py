"""User-facing messages, Vietnamese first and English second.

The language follows the request's `Accept-Language` (Vietnamese unless the
caller prefers English), so the Mini App can show server errors as they come.
"""
from __future__ import annotations

from flask import has_request_context, request

CATALOG = {
    "required": ("Vui lòng nhập trường này.", "This field is required."),
    "unknown_field": ("Trường này không có trong biểu mẫu.", "This field is not part of the form."),
    "not_text": ("Giá trị phải là chuỗi ký tự.", "Must be a string."),
    "too_short": ("Cần ít nhất {n} ký tự.", "Must be at least {n} characters."),
    "too_long": ("Tối đa {n} ký tự.", "Must be at most {n} characters."),
    "pattern": ("Giá trị không đúng định dạng.", "Does not match the expected format."),
    "phone": ("Số điện thoại không hợp lệ.", "Not a valid Vietnamese phone number."),
    "phone_any": ("Số điện thoại không hợp lệ.", "Not a valid phone number."),
    "phone_letters": ("Số điện thoại chỉ gồm chữ số, dấu cách và + - . ( ).",
                      "A phone number may hold only digits, spaces and + - . ( )."),
    "phone_extension": ("Vui lòng nhập số điện thoại không kèm số máy lẻ.",
                        "Please enter the number without an extension."),
    "phone_country_vn": ("Vui lòng nhập số điện thoại Việt Nam.", "Please enter a Vietnamese phone number."),
    "phone_country": ("Chỉ chấp nhận số điện thoại của: {countries}.",
                      "Only phone numbers from these countries are accepted: {countries}."),
    "phone_type": ("Vui lòng nhập số di động hoặc cố định, không nhập số tổng đài (1800, 1900).",
                   "Please enter a mobile or landline number, not a toll-free or premium one (1800, 1900)."),
    "email": ("Địa chỉ email không hợp lệ.", "Not a valid email address."),
    "choice": ("Vui lòng chọn một giá trị trong danh sách.", "Must be one of the listed options."),
    "multichoice": ("Vui lòng chọn các giá trị trong danh sách.", "Must be a list of the listed options."),
    "boolean": ("Giá trị phải là đúng hoặc sai.", "Must be true or false."),
    "consent_required": ("Bạn cần đồng ý để tiếp tục.", "Consent is required to continue."),
}


def preferred_language() -> str:
    """`en` when the request prefers English over Vietnamese, else `vi`."""
    if not has_request_context():
        return "vi"
    best = request.accept_languages.best_match(["vi", "en"], default="vi")
    return best or "vi"


def message(code: str, lang: str | None = None, **params) -> str:
    vi, en = CATALOG[code]
    text = en if (lang or preferred_language()) == "en" else vi
    return text.format(**params)
