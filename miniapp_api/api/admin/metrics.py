"""Customer-care metrics for the shop's staff (definitions: docs/metrics.md)."""
from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_smorest import Blueprint

from ... import clock
from ...config import ConfigError
from ...extensions import db
from ...models.staff import AGENT, ROLES
from ...schemas.metrics import MetricsQuery, MetricsReport
from ...services import shop_settings
from ...services.metrics import report as metrics
from ...services.oa.auto_reply import RuleInvalid, parse_hours
from .access import STAFF_SECURITY, current, require

blp = Blueprint("admin_metrics", __name__, url_prefix="/api/v1/admin", description="Metrics")


@blp.record_once
def _check_business_hours(state) -> None:
    """A malformed BUSINESS_HOURS stops the app at start-up, not on the first report."""
    spec = state.app.config.get("BUSINESS_HOURS")
    if spec:
        try:
            parse_hours(spec)
        except RuleInvalid as exc:
            raise ConfigError(f"BUSINESS_HOURS: {exc}") from exc


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), clock.LOCAL_TZ).astimezone(clock.UTC)


@blp.route("/metrics")
@require(roles=ROLES)
@blp.arguments(MetricsQuery, location="query")
@blp.response(200, MetricsReport)
@blp.doc(security=STAFF_SECURITY)
def get_metrics(query):
    """Response times, response rate, resolution, per agent and overall; forms → orders; follows.

    Agents see the overall figures and their own row only.
    """
    first, last = query["from_"], query["to"]
    config = current_app.config
    period = metrics.Period(_midnight(first), _midnight(last + dt.timedelta(days=1)))
    hours = shop_settings.effective(db.session, config)["BUSINESS_HOURS"] or None
    report = metrics.compute(db.session, period, business_hours=hours,
                             conversion_days=config["METRICS_CONVERSION_WINDOW_DAYS"])
    principal = current()
    if principal.role == AGENT:
        report["agents"] = [row for row in report["agents"] if row["staff_id"] == principal.id]
    return {"period": {"from_": first, "to": last, "timezone": str(clock.LOCAL_TZ),
                       "business_hours": hours}, **report}
