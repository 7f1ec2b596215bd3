"""Campaigns for owners and admins (viewers read them): create, plan, start, pause, resume, cancel, schedule,
preview and test-send, and their recipients and results (docs/campaigns.md). Every change is audited."""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_smorest import Blueprint

from ... import clock
from ...errors import Problem, ValidationProblem
from ...extensions import db
from ...models import Campaign
from ...models.campaign import DRAFT, PLANNED, SCHEDULED
from ...models.staff import ADMIN, OWNER, VIEWER
from ...schemas.campaigns import (CampaignCreate, CampaignFields, CampaignSchema, CustomerRequest, PlanSchema,
    PreviewSchema, RecipientQuery, RecipientSchema, ResultsSchema, ScheduleRequest)
from ...services import audit
from ...services.campaigns import content, control, planning, results
from ...services.campaigns.trial import send_trial
from ...services.transactions import run_in_transaction
from .access import STAFF_SECURITY, current, require
from .customer_access import load_customer
from .inbox_problems import OUTBOUND_TYPES

blp = Blueprint("admin_campaigns", __name__, url_prefix="/api/v1/admin", description="Campaigns")
READERS, MANAGERS = (OWNER, ADMIN, VIEWER), (OWNER, ADMIN)
EDITABLE = (DRAFT, PLANNED, SCHEDULED)


def _campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise Problem(404, f"No campaign {campaign_id}.", title="Not Found", detail_vi=f"Không có chiến dịch {campaign_id}.")
    return campaign


# The Vietnamese sentence for each refusal of the campaign's own (Zalo's rules reuse the inbox's types).
REFUSED_VI = {
    "bad_state": "Chiến dịch đang ở trạng thái không làm được việc này.",
    "already_started": "Chiến dịch đã bắt đầu: danh sách người nhận đã cố định.",
    "unknown_segment": "Không có nhóm khách này.",
    "bad_schedule": "Giờ hẹn phải ở tương lai.",
    "no_channel": "Khách đã quá 48 giờ không nhắn OA và chiến dịch không có mẫu ZNS.",
    "no_verified_phone": "Khách chưa có số điện thoại được Zalo xác thực để nhận tin ZNS.",
    "zns_invalid": "Mẫu ZNS hoặc tham số của nó không hợp lệ.",
}


def _refused(exc: planning.CampaignError) -> Problem:
    """409 with a stable `code`; a refusal by Zalo's rules has the inbox's type for it (docs/problems.md)."""
    if exc.code in OUTBOUND_TYPES:
        kind = OUTBOUND_TYPES[exc.code]
        return Problem(kind.status, str(exc), kind=kind, extra={"code": exc.code})
    return Problem(409, str(exc), title="Conflict", detail_vi=REFUSED_VI.get(exc.code), extra={"code": exc.code})


def _changed(campaign_id: int, action: str, work):
    """Run `work(campaign)` in one transaction, audited as `campaign.<action>`; a refused move is a 409.
    Returns what `work` returns, or the campaign when that is nothing."""
    def unit():
        campaign = _campaign(campaign_id)
        found = work(campaign)
        audit.record(db.session, f"campaign.{action}", "campaign", campaign.id, status=campaign.status)
        return campaign if found is None else found

    try:
        return run_in_transaction(db.session, unit, attempts=1)
    except planning.CampaignError as exc:
        raise _refused(exc) from exc


@blp.route("/campaigns")
@require(roles=READERS)
@blp.response(200, CampaignSchema(many=True))
@blp.doc(security=STAFF_SECURITY)
def list_campaigns():
    """Every campaign, newest first."""
    return db.session.scalars(sa.select(Campaign).order_by(Campaign.id.desc())).all()


@blp.route("/campaigns", methods=["POST"])
@require(roles=MANAGERS)
@blp.arguments(CampaignCreate)
@blp.response(201, CampaignSchema)
@blp.doc(security=STAFF_SECURITY)
def create_campaign(body):
    """A draft: plan it to see who it reaches and through what, then start or schedule it."""
    def unit():
        now = clock.now()
        campaign = Campaign(**body, status=DRAFT, created_by_id=current().id if current().kind == "staff" else None,
                            created_at=now, updated_at=now)
        db.session.add(campaign)
        db.session.flush()
        audit.record(db.session, "campaign.create", "campaign", campaign.id, name=campaign.name)
        return campaign

    return run_in_transaction(db.session, unit, attempts=1)


@blp.route("/campaigns/<int:campaign_id>")
@require(roles=READERS)
@blp.response(200, CampaignSchema)
@blp.doc(security=STAFF_SECURITY)
def get_campaign(campaign_id):
    return _campaign(campaign_id)


@blp.route("/campaigns/<int:campaign_id>", methods=["PATCH"])
@require(roles=MANAGERS)
@blp.arguments(CampaignFields(partial=True))
@blp.response(200, CampaignSchema)
@blp.alt_response(409, description="Started: a running campaign's message and audience are fixed")
@blp.doc(security=STAFF_SECURITY)
def update_campaign(changes, campaign_id):
    """Edit before the start; a planned campaign goes back to draft (plan it again)."""
    def work(campaign):
        if campaign.status not in EDITABLE:
            raise planning.CampaignError(f"A {campaign.status} campaign cannot be edited.", "bad_state")
        merged = {**{k: getattr(campaign, k) for k in ("text", "link_url", "zns_template_id", "zns_params",
                                                           "use_promotion")},
                  **changes}
        errors = CampaignFields().validate(merged)
        if errors:
            raise ValidationProblem(errors)
        for name, value in changes.items():
            setattr(campaign, name, value)
        planning.unplan(db.session, campaign)

    return _changed(campaign_id, "update", work)


@blp.route("/campaigns/<int:campaign_id>/plan", methods=["POST"])
@require(roles=MANAGERS)
@blp.response(200, PlanSchema)
@blp.doc(security=STAFF_SECURITY)
def plan_campaign(campaign_id):
    """Freeze the audience now: each recipient's channel or why they are skipped, and the ZNS cost."""
    return _changed(campaign_id, "plan", lambda campaign: planning.plan(db.session, campaign, current_app.config))


@blp.route("/campaigns/<int:campaign_id>/plan")
@require(roles=READERS)
@blp.response(200, PlanSchema)
@blp.doc(security=STAFF_SECURITY)
def get_plan(campaign_id):
    return planning.summary(db.session, _campaign(campaign_id))


def _move_route(action: str, summary: str) -> None:
    def view(campaign_id):
        return _changed(campaign_id, action, lambda campaign: control.move(db.session, campaign, action))

    view.__name__, view.__doc__ = f"{action}_campaign", summary
    documented = blp.doc(security=STAFF_SECURITY)(blp.alt_response(409, description="Not in a state for this")(
        blp.response(200, CampaignSchema)(require(roles=MANAGERS)(view))))
    blp.route(f"/campaigns/<int:campaign_id>/{action}", methods=["POST"])(documented)


_move_route("start", "Start sending now, at the campaign's pace, outside quiet hours.")
_move_route("pause", "Stop sending; what was queued still goes.")
_move_route("resume", "Send again, at the pace, from where it stopped.")
_move_route("cancel", "Stop for good; recipients not yet sent to are cancelled.")


@blp.route("/campaigns/<int:campaign_id>/schedule", methods=["POST"])
@require(roles=MANAGERS)
@blp.arguments(ScheduleRequest)
@blp.response(200, CampaignSchema)
@blp.doc(security=STAFF_SECURITY)
def schedule_campaign(body, campaign_id):
    """Start by itself at `at` (a planned campaign)."""
    return _changed(campaign_id, "schedule",
                    lambda campaign: control.move(db.session, campaign, "schedule", scheduled_at=body["at"]))


@blp.route("/campaigns/<int:campaign_id>/preview", methods=["POST"])
@require(roles=READERS)
@blp.arguments(CustomerRequest)
@blp.response(200, PreviewSchema)
@blp.doc(security=STAFF_SECURITY)
def preview_campaign(body, campaign_id):
    """The text as this customer would read it (their link shown as the campaign's `link_url`)."""
    campaign = _campaign(campaign_id)
    return {"text": content.render(campaign.text, load_customer(body["customer_ref"]), campaign.link_url)}


@blp.route("/campaigns/<int:campaign_id>/test-send", methods=["POST"])
@require(roles=MANAGERS)
@blp.arguments(CustomerRequest)
@blp.response(200, PreviewSchema)
@blp.alt_response(409, description="This customer cannot be sent it (no consent, window closed, …)")
@blp.doc(security=STAFF_SECURITY)
def test_send_campaign(body, campaign_id):
    """Send the message to one customer now (e.g. your own Zalo account), by Zalo's rules; not a recipient."""
    customer = load_customer(body["customer_ref"])
    return {"text": _changed(campaign_id, "test_send",
                             lambda campaign: send_trial(db.session, current_app.config, campaign, customer))}


@blp.route("/campaigns/<int:campaign_id>/recipients")
@require(roles=READERS)
@blp.arguments(RecipientQuery, location="query")
@blp.response(200, RecipientSchema(many=True))
@blp.doc(security=STAFF_SECURITY)
def list_recipients(query, campaign_id):
    """Recipients by id with their channel, state, delivery, click, reply and order; page with `after`."""
    return results.recipients(db.session, _campaign(campaign_id), status=query.get("status"), limit=query["limit"],
                              after_id=query.get("after"))


@blp.route("/campaigns/<int:campaign_id>/results")
@require(roles=READERS)
@blp.response(200, ResultsSchema)
@blp.doc(security=STAFF_SECURITY)
def campaign_results(campaign_id):
    """The funnel: targeted → queued → sent → delivered → seen → clicked → replied → ordered; revenue, cost."""
    return results.funnel(db.session, _campaign(campaign_id))
