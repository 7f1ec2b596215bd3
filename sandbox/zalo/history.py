"""`GET /v2.0/oa/listrecentchat`: the OA's recent conversations, newest first, as Zalo lists them.

Shape from Zalo's page "Lấy thông tin Tin nhắn gần nhất"
(developers.zalo.me/docs/official-account/tin-nhan/quan-ly-tin-nhan/lay-thong-tin-tin-nhan-gan-nhat):
`data={"offset","count"}` (both required, `count` ≤ 10), answering the same
entries as `/v2.0/oa/conversation`. *Assumption:* the page does not say
whether several messages of one user may be listed; the emulator lists the
latest message of each conversation, newest first, as a chat list shows them.
"""
from __future__ import annotations

from flask import Blueprint, current_app

from .oa import _data_param, _error, _guard, _ok, chat_entry

blp = Blueprint("oa_history", __name__)


def _int_param(data: dict, name: str, low: int, high: int | None) -> int | None:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < low or (high is not None and value > high):
        return None
    return value


@blp.get("/v2.0/oa/listrecentchat")
def list_recent_chat():
    if (error := _guard()) is not None:
        return error
    state = current_app.config["ZALO_STATE"]
    data = _data_param()
    offset, count = _int_param(data, "offset", 0, None), _int_param(data, "count", 1, 10)
    if offset is None:
        return _error(-201, "offset is invalid")
    if count is None:
        return _error(-201, "count must be between 1 and 10")
    latest: dict[str, dict] = {}
    with state.lock:
        for line in state.chat:
            latest[line["user_id"]] = line
    lines = sorted(latest.values(), key=lambda line: line["time"], reverse=True)[offset:offset + count]
    page = [chat_entry(state, user, line) for line in lines if (user := state.user_by_oa_id(line["user_id"]))]
    return _ok(page)
