"""The sync engine against the ShopOne emulator over HTTP: happy path, batching, coalescing, ordering."""
import pytest

from tests.helpers import contact_values, open_session, zalo_user
from tests.sync_helpers import (add_shopone, applied_refs, deliveries, new_customer, phones, rename, statuses,
                                sync)


@pytest.mark.parametrize("batch_calls", [False, True], ids=["single", "batch"])
def test_every_customer_arrives_once_with_local_phone(app, shopone, frozen_clock, batch_calls):
    add_shopone(app, shopone, batch_calls=batch_calls)
    refs = [new_customer(app, phone, f"Khách {i}") for i, phone in enumerate(phones(7))]
    runs, _ = sync(app)
    assert runs == [("push", 7, 0, 0, None)]
    assert sorted(applied_refs(shopone)) == sorted(refs)
    assert shopone.duplicates == []
    assert shopone.customers[refs[0]]["phone"] == "0910000000"
    assert shopone.customers[refs[0]]["name"] == "Khách 0"
    paths = {r["path"] for r in shopone.requests}
    assert paths == ({"/customers/batch"} if batch_calls else {f"/customers/{ref}" for ref in refs})
    assert statuses(app) == {"done": 7}


def test_miniapp_form_reaches_shopone_with_its_submission(app, client, zalo, shopone, frozen_clock):
    from miniapp_api.extensions import db
    from miniapp_api.services.forms.capture import submit_form
    from miniapp_api.services.forms.definitions import get_form

    add_shopone(app, shopone)
    user = zalo_user(zalo)
    open_session(client, zalo, user)
    with app.app_context():
        _, resolution = submit_form(db.session, user.app_user_id, get_form(db.session, "lien-he"), contact_values())
        ref = resolution.customer.ref
        db.session.commit()
    sync(app)
    assert shopone.customers[ref]["phone"] == "0912345678"
    assert shopone.customers[ref]["name"] == "Nguyễn Văn An"
    assert shopone.customers[ref]["marketing_consent"] is True
    [submission] = shopone.submissions
    assert submission["customer_ref"] == ref and submission["values"]["phone"] == "0912345678"


def test_pending_updates_of_one_customer_coalesce_into_the_latest(app, shopone, frozen_clock):
    add_shopone(app, shopone)
    ref = new_customer(app)
    for name in ("An 2", "An 3", "An 4"):
        rename(app, ref, name)
    runs, _ = sync(app)
    assert runs == [("push", 1, 0, 0, "3 coalesced")]
    assert applied_refs(shopone) == [ref]
    assert shopone.customers[ref]["name"] == "An 4"
    assert [d["status"] for d in deliveries(app)] == ["ignored", "ignored", "ignored", "done"]
    assert "coalesced into delivery" in deliveries(app)[0]["error"]


def test_one_customers_deliveries_leave_in_order_and_wait_for_a_retry(app, shopone, frozen_clock):
    """A failed upsert holds back that customer's later deliveries; other customers go on."""
    add_shopone(app, shopone, batch_calls=False)
    first = new_customer(app, phones(2)[0], "A")
    other = new_customer(app, phones(2)[1], "B")
    shopone.set_faults(fail_next=1)
    sync(app)
    assert applied_refs(shopone) == [other]
    rename(app, first, "A2")  # queued behind the failed one
    sync(app)
    assert applied_refs(shopone) == [other], "the later update must not overtake the pending retry"
    frozen_clock.advance(seconds=6)
    sync(app)
    # the retry and the later update coalesce: the latest state arrives, once
    assert applied_refs(shopone) == [other, first]
    assert shopone.customers[first]["name"] == "A2"


def test_submission_follows_its_customer_in_order(app, shopone, frozen_clock):
    from miniapp_api.extensions import db
    from miniapp_api.models import OutboxEvent

    add_shopone(app, shopone)
    ref = new_customer(app)
    with app.app_context():
        from miniapp_api.queue import enqueue_event

        enqueue_event(db.session, "form.submitted", "customer", ref,
                      {"submission_ref": "sub_1", "customer_ref": ref, "form": "lien-he", "form_version": 1,
                       "values": {"note": "x"}, "submitted_at": "2026-11-01T03:00:00Z"})
        db.session.commit()
        assert db.session.query(OutboxEvent).count() == 2
    shopone.set_faults(fail_next=1)
    sync(app)
    assert shopone.submissions == [] and applied_refs(shopone) == []
    frozen_clock.advance(seconds=6)
    sync(app)
    assert [(a["kind"], a["ref"]) for a in shopone.applied] == [("customer", ref), ("submission", ref)]


def test_field_mapping_renames_fields_for_the_remote(app, shopone, frozen_clock):
    add_shopone(app, shopone, field_mapping={"ten_khach": "full_name", "sdt": "phone", "zalo": "zalo.app_user_id"})
    ref = new_customer(app)
    sync(app)
    assert shopone.customers[ref] == {"ten_khach": "Nguyễn Văn An", "sdt": "0912345678", "zalo": None,
                                      "ref": ref, "_version": 1}


def test_events_not_subscribed_are_not_queued(app, shopone, frozen_clock):
    add_shopone(app, shopone, events=["form.submitted"])
    new_customer(app)
    sync(app)
    assert deliveries(app) == [] and shopone.requests == []
