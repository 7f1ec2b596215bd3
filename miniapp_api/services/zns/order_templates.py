"""Order-status news by ZNS when the OA messaging window is closed: which template per status, filled from what.

`ZNS_ORDER_TEMPLATES` maps an order status to a template and says where each
template parameter comes from:

    {"shipping": {"template_id": "231678",
                  "params": {"customer_name": "customer.name", "order_code": "order.code",
                             "status": "order.status_vi", "total": "order.total", "note": "=Cảm ơn bạn!"}}}

Sources are the names in `SOURCES`; a value starting with `=` is literal text.
The configuration is checked when the process starts (a typo fails fast), and
the data again against the synced template when a message is queued.
"""
from __future__ import annotations

from typing import Callable

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from ... import clock
from ...models import Customer, Order
from ..customers.phones import InvalidPhone, normalize_phone
from .send import ZnsInvalid, ZnsRefused, queue_template

STATUS_VI = {"new": "Mới", "confirmed": "Đã xác nhận", "processing": "Đang xử lý", "shipping": "Đang giao",
             "delivered": "Đã giao", "completed": "Hoàn tất", "cancelled": "Đã huỷ", "returned": "Đã trả hàng"}


def _money(vnd: int | None) -> str:
    return f"{vnd or 0:,} đ".replace(",", ".")


SOURCES: dict[str, Callable[[Customer, Order], object]] = {
    "order.code": lambda c, o: o.external_id,
    "order.status": lambda c, o: o.status,
    "order.status_vi": lambda c, o: STATUS_VI.get(o.status, o.status),
    "order.total": lambda c, o: _money(o.total_vnd),
    "order.total_vnd": lambda c, o: o.total_vnd or 0,
    "order.date": lambda c, o: o.remote_updated_at.astimezone(clock.LOCAL_TZ).strftime("%d/%m/%Y"),
    "customer.name": lambda c, o: c.full_name or c.zalo_display_name or "Quý khách",
    "customer.ref": lambda c, o: c.ref,
}


def check_config(value) -> list[str]:
    """What is wrong with a `ZNS_ORDER_TEMPLATES` value ([] when nothing)."""
    if value is None:
        return []
    if not isinstance(value, dict):
        return ["must be a JSON object {status: {template_id, params}}"]
    problems = []
    for status, spec in value.items():
        if not isinstance(spec, dict) or not str(spec.get("template_id") or "").strip():
            problems.append(f"{status}: needs a template_id")
            continue
        params = spec.get("params") or {}
        if not isinstance(params, dict):
            problems.append(f"{status}: params must be an object {{parameter: source}}")
            continue
        for name, source in params.items():
            if not isinstance(source, str) or not (source.startswith("=") or source in SOURCES):
                problems.append(f"{status}.{name}: unknown source {source!r} (one of {', '.join(SOURCES)}, "
                                "or =literal text)")
    return problems


def spec_for(status: str) -> dict | None:
    """The template configured for an order status, if any."""
    mapping = current_app.config.get("ZNS_ORDER_TEMPLATES") if has_app_context() else None
    spec = (mapping or {}).get(status)
    return spec if isinstance(spec, dict) else None


def fill(spec: dict, customer: Customer, order: Order) -> dict:
    return {name: source[1:] if source.startswith("=") else SOURCES[source](customer, order)
            for name, source in (spec.get("params") or {}).items()}


def queue_order_status(session: Session, customer: Customer, order: Order, spec: dict) -> str:
    """Queue the status template to the order's phone (verified as the customer's); returns what happened."""
    try:
        phone = normalize_phone(order.phone) if order.phone else None
    except InvalidPhone:
        phone = None
    if phone is None:
        return "phone_unverified"
    try:
        queue_template(session, customer, str(spec["template_id"]), fill(spec, customer, order),
                       reason="order_status", phone=phone, order=order)
    except ZnsRefused:
        return "phone_unverified"
    except ZnsInvalid:
        return "zns_template_invalid"  # not synced, not enabled, or the mapping does not fit it: docs/oa.md
    return "zns_queued"
