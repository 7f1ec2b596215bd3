"""The inbox's problem types: a client tells "held by someone else" from "closed", from "superseded by a newer
conversation", and each outbound refusal, by `type` alone (agents get 404 for conversations they cannot read)."""
from __future__ import annotations

from ...errors import Problem, problem_type
from ...services.inbox.assignment import CLOSED_NOW, HELD, SUPERSEDED, InboxConflict
from ...services.oa.outbound import OutboundRefused

CONVERSATION_HELD = problem_type(
    "conversation-held", 409, "Conversation handled by someone else", "Cuộc hội thoại đang do người khác xử lý",
    "Cuộc hội thoại này đang do một nhân viên khác xử lý.")
CONVERSATION_CLOSED = problem_type(
    "conversation-closed", 409, "Conversation closed", "Cuộc hội thoại đã đóng",
    "Cuộc hội thoại đã đóng; hãy mở lại trước.")
CONVERSATION_SUPERSEDED = problem_type(
    "conversation-superseded", 409, "Customer has a newer conversation", "Khách hàng có cuộc hội thoại mới hơn",
    "Khách hàng đã có cuộc hội thoại mới hơn; hãy tiếp tục ở đó.")

_BY_REASON = {HELD: CONVERSATION_HELD, CLOSED_NOW: CONVERSATION_CLOSED, SUPERSEDED: CONVERSATION_SUPERSEDED}

# Why a message cannot be sent (services/oa/outbound.py codes); the URIs predate this registry and stay as they were.
OUTBOUND_TYPES = {
    "invalid_text": problem_type("outbound:invalid_text", 422, "Not sent: invalid text", "Chưa gửi: nội dung không "
                                 "hợp lệ", "Tin nhắn Zalo phải có từ 1 đến 2000 ký tự."),
    "no_oa_contact": problem_type("outbound:no_oa_contact", 409, "Not sent: no OA contact", "Chưa gửi: khách chưa "
                                  "liên hệ OA", "Khách hàng chưa có cuộc trò chuyện với OA (chưa biết Zalo id)."),
    "no_interaction": problem_type("outbound:no_interaction", 409, "Not sent: never interacted", "Chưa gửi: khách "
                                   "chưa từng tương tác", "Khách chưa từng tương tác với OA; chỉ gửi được tin mẫu "
                                   "ZNS."),
    "window_closed": problem_type("outbound:window_closed", 409, "Not sent: messaging window closed", "Chưa gửi: "
                                  "đã hết thời hạn nhắn tin", "Lần tương tác cuối của khách đã quá 7 ngày; Zalo chỉ "
                                  "cho gửi tin mẫu ZNS."),
    "no_marketing_consent": problem_type("outbound:no_marketing_consent", 409, "Not sent: no marketing consent",
                                         "Chưa gửi: khách chưa đồng ý nhận tin", "Khách hàng chưa đồng ý (hoặc đã rút "
                                         "lại đồng ý) nhận tin tiếp thị."),
}


def conflict_problem(conflict: InboxConflict) -> Problem:
    """409 with the conflict's own type; `holder` names who holds the conversation, `newer_conversation_id`
    where to continue."""
    kind = _BY_REASON[conflict.reason]
    extra, detail_vi = {}, None
    if conflict.owner is not None:
        extra["holder"] = {"id": conflict.owner.id, "name": conflict.owner.name}
        detail_vi = f"Cuộc hội thoại {conflict.conversation_id} đang do {conflict.owner.name} xử lý."
    if conflict.newer_id is not None:
        extra["newer_conversation_id"] = conflict.newer_id
    return Problem(409, str(conflict), kind=kind, detail_vi=detail_vi, extra=extra)



# Refusals a ZNS template gets past: the problem offers the OA's enabled templates (`zns_templates`).
WINDOW_CLOSED = ("no_interaction", "window_closed")


def outbound_problem(refused: OutboundRefused, conversation_id: int | None = None) -> Problem:
    kind = OUTBOUND_TYPES[refused.code]
    extra = {}
    if refused.code in WINDOW_CLOSED:
        from ...extensions import db
        from ...services.zns.templates import offer

        extra["zns_templates"] = offer(db.session)
        if conversation_id is not None:
            extra["zns_send"] = f"/api/v1/admin/conversations/{conversation_id}/zns"
    return Problem(kind.status, refused.reason, kind=kind, extra=extra)
