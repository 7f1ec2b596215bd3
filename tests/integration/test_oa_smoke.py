from tests.oa_helpers import customer_says, messages, run_worker


def test_text_lands_in_a_conversation(client, app, oa):
    user = oa.create_user("Trần Thị Bình", phone="84987654321")
    customer_says(client, oa, user, "follow")
    customer_says(client, oa, user, "text", text="Giá bao nhiêu?")
    run_worker(app)
    rows = messages(app)
    assert [(m.direction, m.type) for m in rows] == [("out", "text"), ("in", "text")]
    assert rows[0].delivery_state == "sent"
    assert oa.sent_messages
