"""Staff reply with an image, a GIF or a file: checked before upload, uploaded to the emulator, sent in Zalo's shapes."""
import io

import pytest
import requests
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from miniapp_api.models import Message, OaOutbound
from tests.inbox_helpers import BASE, audit_actions, call, open_conversation
from tests.oa_helpers import count, messages, run_worker
from tests.staff_helpers import auth, login, staff_headers

MB = 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 200
GIF = b"GIF89a" + (320).to_bytes(2, "little") + (240).to_bytes(2, "little") + b"\x00" * 100
PDF = b"%PDF-1.4\n" + b"0" * 500


@pytest.fixture
def owner(app, client):
    return staff_headers(app, client, "owner")


def _send(client, headers, cid, data: bytes, filename: str, **form):
    """POST the multipart body, encoded in memory (the test client spools big bodies to files it leaves open)."""
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename), **form})
    return call(client, "POST", f"{BASE}/{cid}/media", headers, data=body,
                content_type=f"multipart/form-data; boundary={boundary}")


def _uploads(zalo) -> list[dict]:
    return [r for r in zalo.requests if r["path"].startswith("/v2.0/oa/upload/")]


def test_image_reply_is_uploaded_then_sent_as_zalos_media_template(app, client, oa, owner):
    cid = open_conversation(app, client, oa)
    oa.sent_messages.clear()
    status, message = _send(client, owner, cid, PNG, "ao-mau-do.png", text="Mẫu áo đỏ ạ")
    assert status == 201, message
    assert (message["type"], message["author"], message["text"]) == ("image", "staff", "Mẫu áo đỏ ạ")
    [upload] = _uploads(oa)
    assert upload["path"] == "/v2.0/oa/upload/image" and 'name="file"' in upload["body"]
    assert upload["headers"]["content-type"].startswith("multipart/form-data")
    attachment_id = oa.uploads[0]["attachment_id"]
    assert message["attachments"] == [{"type": "image", "payload": {
        "attachment_id": attachment_id, "name": "ao-mau-do.png", "size": len(PNG), "format": "png"}}]
    run_worker(app)
    assert [m["message"] for m in oa.sent_messages] == [{"text": "Mẫu áo đỏ ạ", "attachment": {
        "type": "template", "payload": {"template_type": "media", "elements": [
            {"media_type": "image", "attachment_id": attachment_id}]}}}]
    assert messages(app)[-1].delivery_state == "sent"
    assert "conversation.reply" in audit_actions(app)


def test_file_reply_is_sent_as_zalos_file_attachment_with_the_upload_token(app, client, oa, owner):
    cid = open_conversation(app, client, oa)
    oa.sent_messages.clear()
    status, message = _send(client, owner, cid, PDF, "bao-gia.pdf")
    assert status == 201 and message["type"] == "file"
    assert [u["path"] for u in _uploads(oa)] == ["/v2.0/oa/upload/file"]
    run_worker(app)
    token = oa.uploads[0]["token"]
    assert [m["message"] for m in oa.sent_messages] == [{"attachment": {"type": "file", "payload": {"token": token}}}]


def test_gif_reply_carries_its_width_and_height(app, client, oa, owner):
    cid = open_conversation(app, client, oa)
    oa.sent_messages.clear()
    assert _send(client, owner, cid, GIF, "cam-on.gif")[0] == 201
    run_worker(app)
    [element] = oa.sent_messages[0]["message"]["attachment"]["payload"]["elements"]
    assert element == {"media_type": "gif", "attachment_id": oa.uploads[0]["attachment_id"], "width": 320,
                       "height": 240}


@pytest.mark.parametrize("data, filename, words", [
    (JPG + b"\x00" * MB, "to-qua.jpg", "at most 1 MB"),
    (PDF + b"0" * (5 * MB), "to-qua.pdf", "at most 5 MB"),
    (b"MZ\x90\x00 not a document", "virus.pdf", "PDF, DOC or DOCX"),
    (b"PK\x03\x04 a zip", "archive.zip", "PDF, DOC or DOCX"),
    (b"", "empty.png", "empty"),
])
def test_size_and_type_are_refused_before_any_upload(app, client, oa, owner, data, filename, words):
    cid = open_conversation(app, client, oa)
    status, body = _send(client, owner, cid, data, filename)
    assert status == 422 and words in body["errors"]["file"][0], body
    assert body["type"] == "urn:problem:validation"
    assert _uploads(oa) == [] and count(app, OaOutbound) == 1  # the contact's user_detail only
    assert not [m for m in messages(app) if m.author == "staff"]


def test_a_file_takes_no_caption(app, client, oa, owner):
    cid = open_conversation(app, client, oa)
    status, body = _send(client, owner, cid, PDF, "bao-gia.pdf", text="kèm chữ")
    assert status == 422 and "text" in body["errors"] and _uploads(oa) == []


def test_outside_the_window_nothing_is_uploaded(app, client, oa, owner, frozen_clock):
    cid = open_conversation(app, client, oa)
    frozen_clock.advance(days=8)
    owner = auth(login(client, "owner@shop.vn"))
    status, body = _send(client, owner, cid, PNG, "a.png")
    assert status == 409 and body["type"].endswith("window_closed")
    assert _uploads(oa) == [] and count(app, Message) == 1


def test_held_by_someone_else_is_refused_before_upload(app, client, oa, owner):
    cid = open_conversation(app, client, oa)
    agent = staff_headers(app, client, "agent", name="Lan")
    assert call(client, "POST", f"{BASE}/{cid}/claim", agent)[0] == 200
    status, body = _send(client, owner, cid, PNG, "a.png")
    assert status == 409 and body["holder"]["name"] == "Lan" and _uploads(oa) == []


def test_zalo_refusing_the_upload_is_a_502_and_nothing_is_queued(app, client, oa, owner):
    cid = open_conversation(app, client, oa)
    requests.post(oa.url + "/_sandbox/oa/faults", json={"path": "/v2.0/oa/upload/image", "code": -32},
                  timeout=5).close()
    status, body = _send(client, owner, cid, PNG, "a.png")
    assert status == 502 and "-32" in body["detail"]
    assert not [m for m in messages(app) if m.author == "staff"]


def test_the_media_route_is_documented_as_multipart(client):
    spec = client.get("/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/admin/conversations/{conversation_id}/media"]["post"]
    schema = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    fields = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]["properties"]
    assert {"file", "text", "take_over"} <= set(fields) and {"409", "422"} <= set(operation["responses"])


# The emulator is as strict as Zalo: its limits, and only ids it issued.

def _zalo_post(zalo, path, token, **kwargs):
    response = requests.post(zalo.url + path, headers={"access_token": token}, timeout=5, **kwargs)
    try:
        return response.json()
    finally:
        response.close()


def test_emulator_upload_limits_and_answers(zalo):
    token, _ = zalo.issue_oa_tokens()
    ok = _zalo_post(zalo, "/v2.0/oa/upload/image", token, files={"file": ("a.jpg", JPG, "image/jpeg")})
    assert ok["error"] == 0 and set(ok["data"]) == {"attachment_id"}
    assert _zalo_post(zalo, "/v2.0/oa/upload/image", token,
                      files={"file": ("a.jpg", JPG + b"\x00" * MB, "image/jpeg")})["error"] == -201
    assert _zalo_post(zalo, "/v2.0/oa/upload/image", token, files={"file": ("a.pdf", PDF, "image/png")})["error"] == -201
    assert _zalo_post(zalo, "/v2.0/oa/upload/file", token, files={"document": ("a.pdf", PDF)})["error"] == -201
    answer = _zalo_post(zalo, "/v2.0/oa/upload/file", token, files={"file": ("a.pdf", PDF)})
    assert answer["error"] == 0 and set(answer["data"]) == {"token"}
    assert _zalo_post(zalo, "/v2.0/oa/upload/file", "not-a-token", files={"file": ("a.pdf", PDF)})["error"] == -216


def test_emulator_refuses_attachment_ids_and_tokens_it_never_issued(zalo, frozen_clock):
    zalo.clock = lambda: frozen_clock.now().timestamp()
    token, _ = zalo.issue_oa_tokens()
    user = zalo.create_user("Khách")
    zalo.last_interaction[user.oa_user_id] = int(frozen_clock.now().timestamp() * 1000)
    image = _zalo_post(zalo, "/v2.0/oa/upload/image", token, files={"file": ("a.png", PNG)})["data"]["attachment_id"]
    file_token = _zalo_post(zalo, "/v2.0/oa/upload/file", token, files={"file": ("a.pdf", PDF)})["data"]["token"]

    def send(message):
        return _zalo_post(zalo, "/v3.0/oa/message/cs", token,
                          json={"recipient": {"user_id": user.oa_user_id}, "message": message})["error"]

    def media(attachment_id):
        return {"attachment": {"type": "template", "payload": {"template_type": "media", "elements": [
            {"media_type": "image", "attachment_id": attachment_id}]}}}

    assert send(media("made-up")) == -201
    assert send(media(file_token)) == -201  # a file token is not an image
    assert send({"attachment": {"type": "file", "payload": {"token": image}}}) == -201
    assert send({"attachment": {"type": "file", "payload": {"token": "made-up"}}}) == -201
    assert send(media(image)) == 0
    assert send({"attachment": {"type": "file", "payload": {"token": file_token}}}) == 0
