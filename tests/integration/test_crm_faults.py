"""Every emulator fault ends with each record applied exactly once by the receiver, or in dead letter
with the reason; auth failures pause the connector; dead letters replay from the CLI."""
import pytest

from tests.sync_helpers import (add_shopone, applied_refs, connector, deliveries, new_customer, phones, statuses,
                                sync)


@pytest.mark.parametrize("batch_calls", [False, True], ids=["single", "batch"])
def test_server_errors_are_retried_on_schedule_until_delivered(app, shopone, frozen_clock, batch_calls):
    add_shopone(app, shopone, batch_calls=batch_calls)
    refs = [new_customer(app, p) for p in phones(3)]
    shopone.set_faults(fail_next=2)
    sync(app)
    sync(app)  # nothing is due yet: no call
    calls = len(shopone.requests)
    frozen_clock.advance(seconds=6)
    sync(app)
    frozen_clock.advance(seconds=331)
    sync(app)
    assert len(shopone.requests) > calls
    assert sorted(applied_refs(shopone)) == sorted(refs)
    assert statuses(app) == {"done": 3}


def test_429_retry_after_is_honoured(app, shopone, frozen_clock):
    add_shopone(app, shopone)
    ref = new_customer(app)
    shopone.set_faults(throttle_next=1, retry_after=120)
    sync(app)
    [pending] = deliveries(app)
    assert pending["status"] == "pending"
    assert (pending["available_at"] - frozen_clock.now()).total_seconds() >= 120
    frozen_clock.advance(seconds=60)
    sync(app)
    assert applied_refs(shopone) == [] and len(shopone.requests) == 1, "still blocked by Retry-After"
    frozen_clock.advance(seconds=61)
    sync(app)
    assert applied_refs(shopone) == [ref]


def test_timeout_with_unknown_outcome_is_harmless_thanks_to_the_idempotency_key(app, shopone, frozen_clock):
    add_shopone(app, shopone, read_timeout=0.3)
    ref = new_customer(app)
    shopone.set_faults(hang_next=1, hang_seconds=1.0)
    sync(app)
    assert deliveries(app)[0]["error"].startswith("no answer: ReadTimeout")
    shopone.release.set()  # the hung request now completes: the record was applied after all
    frozen_clock.advance(seconds=6)
    sync(app)
    assert applied_refs(shopone) == [ref]
    assert len(shopone.duplicates) == 1, "the repeat was recognised by its key and not applied again"
    assert statuses(app) == {"done": 1}


def test_dropped_connection_after_accepting_is_retried_once_and_deduplicated(app, shopone, frozen_clock):
    add_shopone(app, shopone, batch_calls=False)
    ref = new_customer(app)
    shopone.set_faults(drop_next=1)
    sync(app)
    frozen_clock.advance(seconds=6)
    sync(app)
    assert applied_refs(shopone) == [ref] and len(shopone.duplicates) == 1
    assert statuses(app) == {"done": 1}


@pytest.mark.parametrize("batch_calls", [False, True], ids=["single", "batch"])
def test_rejected_record_goes_to_dead_letter_with_the_answer_others_go_through(app, shopone, frozen_clock,
                                                                                batch_calls):
    add_shopone(app, shopone, batch_calls=batch_calls)
    bad, good = (new_customer(app, p) for p in phones(2))
    shopone.set_faults(reject_refs=[bad])
    runs, _ = sync(app)
    assert runs[0][1:4] == (1, 0, 1)
    assert applied_refs(shopone) == [good]
    dead = [d for d in deliveries(app) if d["status"] == "dead"]
    assert [d["ref"] for d in dead] == [bad]
    assert "422" in dead[0]["error"] and "rejected by the sandbox" in dead[0]["body"]


def test_batch_retries_only_the_items_that_failed(app, shopone, frozen_clock):
    add_shopone(app, shopone, batch_calls=True)
    refs = [new_customer(app, p) for p in phones(4)]
    shopone.set_faults(fail_item_refs=[refs[2]])
    sync(app)
    assert sorted(applied_refs(shopone)) == sorted(refs[:2] + refs[3:])
    frozen_clock.advance(seconds=6)
    sync(app)
    retry = shopone.requests[-1]["body"]["items"]
    assert [item["ref"] for item in retry] == [refs[2]]
    assert sorted(applied_refs(shopone)) == sorted(refs) and shopone.duplicates == []


def test_auth_failure_pauses_the_connector_until_the_key_is_fixed(app, shopone, runner, frozen_clock):
    add_shopone(app, shopone)
    refs = [new_customer(app, p) for p in phones(2)]
    new_key = shopone.rotate_key()
    runs, _ = sync(app)
    assert runs[0][4] == "paused: credentials refused"
    assert len(shopone.requests) == 1, "one refusal is enough: no retries burnt"
    assert "refused our credentials" in connector(app).paused_reason
    assert statuses(app) == {"pending": 2} and {d["attempts"] for d in deliveries(app)} == {0}
    assert sync(app)[1].startswith("paused")
    status = runner.invoke(args=["crm", "status"]).output
    assert "PAUSED" in status and "refused our credentials" in status

    result = runner.invoke(args=["connectors", "add", "shopone", "--credential", f"api_key={new_key}"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["connectors", "enable", "shopone"]).output.strip() == "shopone enabled"
    sync(app)
    assert sorted(applied_refs(shopone)) == sorted(refs)


def test_dead_letters_are_listed_replayed_and_discarded_from_the_cli(app, shopone, runner, frozen_clock):
    add_shopone(app, shopone)
    refs = [new_customer(app, p) for p in phones(3)]
    shopone.set_faults(reject_refs=refs)
    sync(app)
    listing = runner.invoke(args=["crm", "dead-letters", "list"]).output
    assert all(ref in listing for ref in refs) and "422" in listing
    ids = [d["id"] for d in deliveries(app)]
    shopone.set_faults(reject_refs=[])
    assert runner.invoke(args=["crm", "dead-letters", "replay", str(ids[0])]).output == "replayed 1 deliveries\n"
    sync(app)
    assert applied_refs(shopone) == [refs[0]]
    assert "discarded 1" in runner.invoke(args=["crm", "dead-letters", "discard", str(ids[1])]).output
    assert "replayed 1" in runner.invoke(args=["crm", "dead-letters", "replay", "--all",
                                               "--connector", "shopone"]).output
    sync(app)
    assert sorted(applied_refs(shopone)) == sorted([refs[0], refs[2]])
    assert statuses(app) == {"done": 2, "ignored": 1}


def test_retries_end_in_dead_letter_after_the_last_attempt(app, shopone, frozen_clock):
    app.config["CRM_RETRY_SCHEDULE"] = "5,60"
    add_shopone(app, shopone)
    new_customer(app)
    shopone.set_faults(fail_next=10)
    for _ in range(3):
        sync(app)
        frozen_clock.advance(seconds=100)
    [dead] = deliveries(app)
    assert (dead["status"], dead["attempts"]) == ("dead", 3)
    assert "HTTP 500" in dead["error"]
