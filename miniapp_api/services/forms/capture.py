"""The Mini App capture flow: session → verified phone → form submission → one profile."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ... import clock
from ...clock import iso_utc
from ...models import Customer, Form, FormSubmission
from ...models.customer import PHONE, ZALO_APP, ZALO_OA, new_ref
from ...queue import enqueue_event, next_sequence
from ...zalo.graph import ZaloUser
from ..customers.consents import record_consent
from .definitions import FormSpec, validate_submission
from ..customers.profiles import Claim, Resolution, find_customer, publish_upsert, resolve_profile
from ..customers.snapshots import customer_snapshot
from ..inbox.search_text import submission_text
from ..journeys import triggers as journeys
from ..journeys.definitions import FORM_SUBMITTED


def open_session(session: Session, user: ZaloUser, id_by_oa: str | None) -> Resolution:
    """Upsert the identities of a Zalo-verified Mini App user.

    The per-app id is verified by Zalo; `idByOA` comes from the client's
    `getUserInfo()` and is kept as an unverified claim until an OA webhook
    confirms it.
    """
    claims = [Claim(ZALO_APP, user.id, True, "zalo_graph")]
    if id_by_oa:
        claims.append(Claim(ZALO_OA, id_by_oa, False, "miniapp_client"))
    facts = {"zalo_display_name": user.name, "avatar_url": user.avatar_url}
    return resolve_profile(session, claims, facts=facts, source="miniapp")


def attach_verified_phone(session: Session, zalo_app_uid: str, phone_e164: str) -> Resolution:
    """A phone Zalo decoded for this user is a verified identity of theirs."""
    claims = [Claim(ZALO_APP, zalo_app_uid, True, "zalo_graph"), Claim(PHONE, phone_e164, True, "zalo_phone")]
    return resolve_profile(session, claims, source="miniapp")


def submit_form(session: Session, zalo_app_uid: str, form: Form | FormSpec, answers: dict,
                lang: str | None = None) -> tuple[FormSubmission, Resolution]:
    """Validate, store the submission as submitted, upsert the profile, record consent, queue events.

    Everything is written by one flush, after the events' numbers are taken; the resolution carries the
    profile's snapshot (as published, when it was).
    """
    clean = validate_submission(form, answers, lang)
    claims = [Claim(ZALO_APP, zalo_app_uid, True, "zalo_graph")]
    facts = dict(clean.profile)
    phone = facts.pop("phone", None)
    if phone:
        claims.append(Claim(PHONE, phone, False, f"form:{form.slug}"))
    resolution = resolve_profile(session, claims, facts=facts, source="miniapp", publish=False)
    customer = resolution.customer
    # ref and time set here, not at the flush: the event below carries them.
    submission = FormSubmission(ref=new_ref("sub"), form_id=form.id, form_version=form.version,
                                customer_id=customer.id, submitted_by=zalo_app_uid, raw=answers,
                                values=clean.values, search_text=submission_text(form.fields, clean.values),
                                created_at=clock.now())
    session.add(submission)
    for consent in clean.consents:
        record_consent(session, customer.id, consent["purpose"], consent["granted"], source="miniapp_form",
                       text=consent["text"], version=consent["version"], form_slug=form.slug,
                       submission=submission)
    publish = resolution.changed or bool(clean.consents)
    # The profile's row exists (a new one was inserted by `resolve_profile`): its version is taken without
    # writing the rest yet, so the submission, consent, profile and events go in one flush.
    version = next_sequence(session, "customer", customer.ref, count=2 if publish else 1, flush=False)
    resolution.snapshot = (publish_upsert(session, customer, sequence=version - 1) if publish
                           else customer_snapshot(session, customer))
    enqueue_event(session, "form.submitted", "customer", customer.ref, submission_event(customer, submission, form),
                  sequence=version)
    journeys.fire(session, FORM_SUBMITTED, customer.id, value=form.slug, occurrence=submission.ref,
                  context={"submission": submission.ref})
    return submission, resolution


def submission_event(customer: Customer, submission: FormSubmission, form: Form | FormSpec) -> dict:
    return {
        "submission_ref": submission.ref,
        "customer_ref": customer.ref,
        "form": form.slug,
        "form_version": submission.form_version,
        "values": submission.values,
        "submitted_at": iso_utc(submission.created_at),
    }


def customer_for_session(session: Session, zalo_app_uid: str) -> Customer | None:
    return find_customer(session, ZALO_APP, zalo_app_uid)
