"""Assignment without double replies: the claim race, round-robin within capacity, the reassignment timer."""
import threading

import pytest
import sqlalchemy as sa

from miniapp_api.worker import route_inbox
from miniapp_api.extensions import db
from miniapp_api.models import Conversation, Message
from tests.inbox_helpers import BASE, call, events, open_conversation
from tests.staff_helpers import auth, login, make_staff
from tests.oa_helpers import customer_says, run_worker


@pytest.mark.parametrize("contenders", [2, 6])
def test_simultaneous_claims_one_wins_the_others_get_409_naming_the_owner(app, client, oa, contenders):
    cid = open_conversation(app, client, oa)
    headers = {}
    for i in range(contenders):
        make_staff(app, "agent", f"agent{i}@shop.vn", name=f"Agent {i}")
        headers[i] = auth(login(client, f"agent{i}@shop.vn"))
    barrier = threading.Barrier(contenders)
    results = {}

    def claim(i):
        local = app.test_client()
        barrier.wait()
        response = local.post(f"{BASE}/{cid}/claim", headers=headers[i])
        results[i] = (response.status_code, response.get_json())
        response.close()

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [i for i, (status, _) in results.items() if status == 200]
    assert len(winners) == 1, results
    winner = winners[0]
    for i, (status, body) in results.items():
        if i != winner:  # lost the compare-and-set: 409 naming the winner; came after it: no longer readable
            assert (status == 409 and f"agent{winner}@shop.vn" in body["detail"]) or status == 404, body
    assert [e for e in events(app, cid) if e[0] == "assigned"] == [("assigned", results[winner][1]["assignee"]["id"],
                                                                    "claim")]


def _assignees(app) -> dict[int, int | None]:
    with app.app_context():
        return dict(db.session.execute(sa.select(Conversation.id, Conversation.assignee_id)).all())


def test_round_robin_among_available_agents_respects_capacity(app, client, oa):
    app.config["INBOX_AUTO_ASSIGN"] = True
    a = make_staff(app, "agent", "a@shop.vn", available=True, capacity=2)
    b = make_staff(app, "agent", "b@shop.vn", available=True, capacity=1)
    make_staff(app, "agent", "away@shop.vn", available=False)
    make_staff(app, "admin", "admin@shop.vn", available=True)  # admins are not routed to
    ids = [open_conversation(app, client, oa, name=f"Khách {i}") for i in range(4)]
    with app.app_context():
        route_inbox(app)
    assignees = _assignees(app)
    assert [assignees[i] for i in ids] == [a, b, a, None]  # the fourth waits: everyone is full
    assert events(app, ids[0])[-1] == ("assigned", a, "auto_assign")
    with app.app_context():
        route_inbox(app)  # repeating the tick changes nothing
    assert _assignees(app) == assignees


def test_reassigned_when_the_assignee_stays_silent(app, client, oa, frozen_clock):
    app.config.update(INBOX_REASSIGN_AFTER_MINUTES=15, INBOX_AUTO_ASSIGN=True)
    first = make_staff(app, "agent", "first@shop.vn", available=True)
    cid = open_conversation(app, client, oa)
    with app.app_context():
        route_inbox(app)
    assert _assignees(app)[cid] == first
    second = make_staff(app, "agent", "second@shop.vn", available=True)
    frozen_clock.advance(minutes=14, seconds=59)
    with app.app_context():
        route_inbox(app)
    assert _assignees(app)[cid] == first  # not yet
    frozen_clock.advance(seconds=1)
    with app.app_context():
        route_inbox(app)
    assert _assignees(app)[cid] == second
    assert events(app, cid)[-2:] == [("unassigned", first, "reassign_no_reply"),
                                     ("assigned", second, "reassign_no_reply")]


def test_a_reply_stops_the_timer_and_a_new_customer_message_restarts_it(app, client, oa, frozen_clock):
    app.config.update(INBOX_REASSIGN_AFTER_MINUTES=15)
    agent = make_staff(app, "agent", "agent@shop.vn", available=True)
    cid = open_conversation(app, client, oa)
    headers = auth(login(client, "agent@shop.vn"))
    assert call(client, "POST", f"{BASE}/{cid}/reply", headers, json={"text": "Dạ em nghe"})[0] == 201
    frozen_clock.advance(minutes=30)
    with app.app_context():
        route_inbox(app)
    assert _assignees(app)[cid] == agent  # answered: nothing owed
    with app.app_context():
        oa_user = db.session.scalar(sa.select(Conversation).where(Conversation.id == cid)).contact.oa_user_id
    customer_says(client, oa, oa.user_by_oa_id(oa_user), "text", text="Còn không shop?")
    run_worker(app)
    frozen_clock.advance(minutes=15)
    with app.app_context():
        route_inbox(app)
    assert _assignees(app)[cid] is None  # nobody else is free: back to the queue
    assert events(app, cid)[-1] == ("unassigned", agent, "reassign_no_reply")


def test_internal_notes_do_not_count_as_a_reply(app, client, oa, frozen_clock):
    app.config.update(INBOX_REASSIGN_AFTER_MINUTES=10)
    make_staff(app, "agent", "agent@shop.vn")
    headers = auth(login(client, "agent@shop.vn"))
    cid = open_conversation(app, client, oa)
    assert call(client, "POST", f"{BASE}/{cid}/claim", headers)[0] == 200
    assert call(client, "POST", f"{BASE}/{cid}/notes", headers, json={"text": "để sau"})[0] == 201
    frozen_clock.advance(minutes=10)
    with app.app_context():
        route_inbox(app)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Message).where(Message.internal)) == 1
    assert _assignees(app)[cid] is None
