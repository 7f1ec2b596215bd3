"""Fields that show phone numbers as the caller may see them: masked for viewers (docs/staff.md).

The masking lives in the fields, so every response that carries a phone (the
customer list and detail, segment members, the conversation's profile, form
answers and `user_submit_info` cards) masks it the same way, and a new response
built from these schemas does too.
"""
from __future__ import annotations

from marshmallow import fields

from ..services.customers.phones import mask_phones_in


class _MasksPhones:
    def _serialize(self, value, attr, obj, **kwargs):
        from ..api.admin.access import phones_masked

        shown = super()._serialize(value, attr, obj, **kwargs)
        return mask_phones_in(shown) if shown is not None and phones_masked() else shown


class PhoneString(_MasksPhones, fields.String):
    """A phone number."""


class RawWithPhones(_MasksPhones, fields.Raw):
    """Any JSON value (a labelled form answer) whose phone-like strings are masked."""


class DictWithPhones(_MasksPhones, fields.Dict):
    """Free-form data (form answers, attributes) whose phone-like strings are masked."""


class ListWithPhones(_MasksPhones, fields.List):
    """A list (message attachments) whose phone-like strings are masked."""
