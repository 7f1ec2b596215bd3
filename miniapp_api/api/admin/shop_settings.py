"""The shop's welcome message and business hours, edited in the console (docs/console.md "Settings").

Owners and admins change them; viewers read them. Each save is audited with the names it changed (the texts
themselves are the shop's, not personal data, but they can be long: the audit says what changed, not to what).
"""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from ... import clock
from ...errors import ValidationProblem
from ...extensions import db
from ...models.staff import ADMIN, OWNER, VIEWER
from ...schemas.shop_settings import ShopSettingsPage, ShopSettingsPatch
from ...services import audit, shop_settings
from ...services.oa.auto_reply import in_business_hours
from ...services.oa.events import welcome_preview
from ...services.transactions import run_in_transaction
from .access import STAFF_SECURITY, require

blp = Blueprint("admin_shop_settings", __name__, url_prefix="/api/v1/admin", description="Shop settings")


def _page() -> dict:
    page = shop_settings.current(db.session, current_app.config)
    config = shop_settings.effective(db.session, current_app.config)
    return {**page, "welcome": welcome_preview(config),
            "open_now": in_business_hours(config["BUSINESS_HOURS"] or None, clock.now())}


@blp.route("/shop-settings")
@require(roles=(OWNER, ADMIN, VIEWER))
@blp.response(200, ShopSettingsPage)
@blp.doc(security=STAFF_SECURITY)
def get_shop_settings():
    """The welcome message and business hours in force, which of them were set here, and what a follower gets."""
    return _page()


@blp.route("/shop-settings", methods=["PATCH"])
@require(roles=(OWNER, ADMIN))
@blp.arguments(ShopSettingsPatch)
@blp.response(200, ShopSettingsPage)
@blp.doc(security=STAFF_SECURITY)
def patch_shop_settings(changes):
    """Change some settings (`null`: back to the environment's value); the next follow and report use them."""
    def work():
        changed = shop_settings.update(db.session, current_app.config, changes)
        if changed:
            audit.record(db.session, "shop_settings.update", "shop_settings", None, changed=changed)

    try:
        run_in_transaction(db.session, work)
    except shop_settings.SettingsInvalid as exc:
        raise ValidationProblem(exc.errors) from exc
    return _page()
