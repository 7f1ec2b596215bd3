"""All models, imported here so Alembic and the app see the whole schema."""
from .auto_reply import AutoReplyRule
from .consent import ConsentRecord
from .conversation import Conversation, Message, MessageReceipt, OaContact
from .customer import Customer, CustomerIdentity, ProfileConflict, ProfileMerge
from .form import Form, FormSubmission
from .idempotency import IdempotencyRecord
from .inbox import WebhookEvent
from .oa_outbound import OaOutbound
from .oa_token import OaToken, OauthAttempt
from .outbox import OutboxEvent

__all__ = [
    "AutoReplyRule", "ConsentRecord", "Conversation", "Customer", "CustomerIdentity", "Form", "FormSubmission",
    "IdempotencyRecord", "Message", "MessageReceipt", "OaContact", "OaOutbound", "OaToken", "OauthAttempt",
    "OutboxEvent", "ProfileConflict", "ProfileMerge", "WebhookEvent",
]
