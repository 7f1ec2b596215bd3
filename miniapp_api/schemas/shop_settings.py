"""The shop settings edited in the console (welcome message, business hours) as the staff API shows them."""
from __future__ import annotations

from marshmallow import fields, validate

from ..config import WELCOME_KINDS, WELCOME_TEXT_MAX
from .base import Schema

WELCOME_LANGS = ("vi", "en", "vi+en")
HOURS_HELP = "Opening windows in Asia/Ho_Chi_Minh, e.g. `mon-sat 08:00-21:00, sun 09:00-12:00`; empty: always open"


class ShopSettingsValues(Schema):
    welcome_enabled = fields.Boolean(metadata={"description": "Greet a new follower (OA_WELCOME_ENABLED)"})
    welcome_kind = fields.String(validate=validate.OneOf(WELCOME_KINDS),
                                 metadata={"description": "text, or Zalo's request_user_info card"})
    welcome_lang = fields.String(validate=validate.OneOf(WELCOME_LANGS))
    welcome_text_vi = fields.String(validate=validate.Length(max=WELCOME_TEXT_MAX))
    welcome_text_en = fields.String(validate=validate.Length(max=WELCOME_TEXT_MAX))
    welcome_form_link = fields.Boolean(metadata={"description": "Add a line with the form's link to the text"})
    business_hours = fields.String(validate=validate.Length(max=100), metadata={"description": HOURS_HELP})


class ShopSettingsPatch(Schema):
    """Only the settings given change; `null` goes back to the environment's value."""

    welcome_enabled = fields.Boolean(allow_none=True)
    welcome_kind = fields.String(allow_none=True, validate=validate.OneOf(WELCOME_KINDS))
    welcome_lang = fields.String(allow_none=True, validate=validate.OneOf(WELCOME_LANGS))
    welcome_text_vi = fields.String(allow_none=True, validate=validate.Length(max=WELCOME_TEXT_MAX))
    welcome_text_en = fields.String(allow_none=True, validate=validate.Length(max=WELCOME_TEXT_MAX))
    welcome_form_link = fields.Boolean(allow_none=True)
    business_hours = fields.String(allow_none=True, validate=validate.Length(max=100),
                                   metadata={"description": HOURS_HELP})


class WelcomePreview(Schema):
    kind = fields.String(allow_none=True, metadata={"description": "What a new follower gets: text, "
                                                                   "request_user_info, or null (no welcome)"})
    text = fields.String(allow_none=True, metadata={"description": "The text as sent (with the form link), or "
                                                                   "the card's title and subtitle"})


class ShopSettingsPage(Schema):
    settings = fields.Nested(ShopSettingsValues, required=True)
    from_console = fields.List(fields.String(), required=True,
                               metadata={"description": "Settings saved here; the others come from the environment"})
    welcome = fields.Nested(WelcomePreview, required=True)
    open_now = fields.Boolean(required=True, metadata={"description": "Whether the business hours say open now"})
