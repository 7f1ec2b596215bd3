"""The opt-out keyword: a customer who writes "HUY" (or "STOP", `CAMPAIGN_OPT_OUT_KEYWORDS`) stops marketing.

The whole message must be the keyword (case, diacritics and trailing punctuation ignored: "Hủy!" counts,
"hủy đơn hàng giúp mình" does not, since that is a question for staff). Their marketing consent is withdrawn
(a consent record, as from the Mini App), campaigns skip them from the next send on, and the OA confirms in a
service message; the bot does not also answer that message.
"""
from __future__ import annotations

from typing import Mapping

from sqlalchemy.orm import Session

from ...models import OaContact
from ..customers.consents import MARKETING, record_consent
from ..oa.auto_reply import normalize
from ..oa.outbound import OutboundRefused, queue_message

CONFIRMATION = ("Bạn đã hủy nhận tin khuyến mãi từ cửa hàng. Bạn vẫn nhận được trả lời và thông tin về đơn hàng "
                "của mình.")
SOURCE = "opt_out_keyword"


def is_opt_out(text: str, keywords: str) -> bool:
    wanted = {normalize(word) for word in (keywords or "").split(",") if word.strip()}
    return normalize(text).strip(" .!?") in wanted


def handle(session: Session, contact: OaContact, text: str, config: Mapping) -> bool:
    """Withdraw and confirm when `text` is an opt-out keyword; True when it was (nothing else should answer)."""
    if not is_opt_out(text, config["CAMPAIGN_OPT_OUT_KEYWORDS"]):
        return False
    record_consent(session, contact.customer_id, MARKETING, False, source=SOURCE,
                   text=f"Khách nhắn từ khóa hủy nhận tin: {normalize(text).upper()}")
    try:
        queue_message(session, contact, {"text": CONFIRMATION}, reason="opt_out", text=CONFIRMATION)
    except OutboundRefused:
        pass  # the customer just wrote: the window is open; kept for an event replayed much later
    return True
