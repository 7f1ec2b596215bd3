"""The OA's ZNS templates: synced from Zalo, and the parameter check every send passes before it is queued.

Zalo approves each template with its parameters (`listParams`: name, require,
type, maxLength, minLength, acceptNull) and refuses a send whose
`template_data` breaks them. We keep Zalo's description and check a send the
same way before queueing it, so staff see the offending parameter at once
(422 naming it) instead of a message that dies in the worker.
"""
from __future__ import annotations

import math
import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ... import clock
from ...models import ZnsTemplate
from ...zalo.zns import TEMPLATE_PAGE, ZnsClient

ENABLE = "ENABLE"
DATE = re.compile(r"^\d{2}/\d{2}/\d{4}$")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def fetch_all(client: ZnsClient) -> list[dict]:
    """Every template of the OA, described by `/template/info/v2` (HTTP: call with no transaction open)."""
    listed, offset = [], 0
    while True:
        page, total = client.templates(offset=offset, limit=TEMPLATE_PAGE)
        listed.extend(page)
        offset += len(page)
        if not page or offset >= total:
            break
    return [client.template_info(str(row["templateId"])) for row in listed if row.get("templateId") is not None]


def store(session: Session, described: list[dict]) -> dict:
    """Upsert Zalo's descriptions in the caller's transaction; a template Zalo no longer lists becomes DELETE.

    Returns counts: {"created", "updated", "removed"}.
    """
    now, seen, counts = clock.now(), set(), {"created": 0, "updated": 0, "removed": 0}
    existing = {t.template_id: t for t in session.scalars(sa.select(ZnsTemplate))}
    for info in described:
        template_id = str(info.get("templateId") or "")
        if not template_id:
            continue
        seen.add(template_id)
        row = existing.get(template_id)
        if row is None:
            row = ZnsTemplate(template_id=template_id)
            session.add(row)
            counts["created"] += 1
        else:
            counts["updated"] += 1
        row.name = str(info.get("templateName") or "")[:200]
        row.status = str(info.get("status") or "")[:32]
        row.tag = _short(info.get("templateTag"), 32)
        row.quality = _short(info.get("templateQuality"), 16)
        row.price = _short(info.get("price"), 16)
        row.preview_url = _short(info.get("previewUrl"), 500)
        row.params = [_param(p) for p in info.get("listParams") or [] if isinstance(p, dict) and p.get("name")]
        row.synced_at = now
    for template_id, row in existing.items():
        if template_id not in seen and row.status != "DELETE":
            row.status, row.synced_at = "DELETE", now
            counts["removed"] += 1
    return counts


def _short(value, length: int) -> str | None:
    return str(value)[:length] if value not in (None, "") else None


def _param(spec: dict) -> dict:
    def number(key):
        try:
            return int(spec.get(key)) if spec.get(key) not in (None, "") else None
        except (TypeError, ValueError):
            return None
    return {"name": str(spec["name"]), "require": bool(spec.get("require")), "type": str(spec.get("type") or "STRING"),
            "maxLength": number("maxLength"), "minLength": number("minLength"),
            "acceptNull": bool(spec.get("acceptNull"))}


def sync(session: Session, client: ZnsClient) -> dict:
    """Fetch from Zalo (no transaction open), then store and commit."""
    session.commit()
    described = fetch_all(client)
    counts = store(session, described)
    session.commit()
    return counts


def get(session: Session, template_id: str) -> ZnsTemplate | None:
    return session.scalar(sa.select(ZnsTemplate).where(ZnsTemplate.template_id == template_id))


def all_templates(session: Session) -> list[ZnsTemplate]:
    return list(session.scalars(sa.select(ZnsTemplate).order_by(ZnsTemplate.name, ZnsTemplate.template_id)))


def enabled(session: Session) -> list[ZnsTemplate]:
    """Templates Zalo lets the OA send now, by name."""
    return list(session.scalars(sa.select(ZnsTemplate).where(ZnsTemplate.status == ENABLE)
                                .order_by(ZnsTemplate.name, ZnsTemplate.template_id)))


def offer(session: Session) -> list[dict]:
    """What a refusal outside the messaging window offers instead: the enabled templates and their parameters."""
    return [{"template_id": t.template_id, "name": t.name, "params": [p["name"] for p in t.params]}
            for t in enabled(session)]


def parameter_errors(template: ZnsTemplate, data: dict) -> dict[str, list[str]]:
    """Per parameter (`template_data.<name>`), why Zalo would refuse the value; {} when every one passes.

    Values are strings or numbers; names the template does not declare are refused (a typo would otherwise
    leave a required parameter empty and the message would say nothing).
    """
    errors: dict[str, list[str]] = {}
    declared = {p["name"] for p in template.params}
    for name in sorted(set(data) - declared):
        errors[f"template_data.{name}"] = [f"Template {template.template_id} has no parameter {name!r}."]
    for spec in template.params:
        if (problem := _check(spec, data.get(spec["name"]))) is not None:
            errors[f"template_data.{spec['name']}"] = [problem]
    return errors


def _check(spec: dict, value) -> str | None:
    if value is None or value == "":
        return "Required by the template." if spec["require"] and not spec["acceptNull"] else None
    if isinstance(value, (dict, list, bool)) or (isinstance(value, float) and not math.isfinite(value)):
        return "Must be a string or a finite number."
    text = str(value)
    kind = spec["type"].upper()
    if kind == "NUMBER" and not NUMBER.fullmatch(text):
        return "Must be a number."
    if kind == "DATE" and not DATE.fullmatch(text):
        return "Must be a date written dd/MM/yyyy."
    if spec.get("maxLength") and len(text) > spec["maxLength"]:
        return f"At most {spec['maxLength']} characters (Zalo's limit for this parameter)."
    if spec.get("minLength") and len(text) < spec["minLength"]:
        return f"At least {spec['minLength']} characters."
    return None
