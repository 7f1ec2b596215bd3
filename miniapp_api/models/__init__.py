"""All models, imported here so Alembic and the app see the whole schema."""
from .audit import AuditEntry
from .auto_reply import AutoReplyRule
from .connector import Connector, InitialSync, SyncRun
from .consent import ConsentRecord
from .console_change import ConsoleChange
from .conversation import Conversation, ConversationEvent, Message, MessageReceipt, OaContact
from .conversation_search import ConversationSearch
from .customer import Customer, CustomerIdentity, ProfileConflict, ProfileMerge
from .delivery import Delivery, DeliveryLane
from .campaign import Campaign, CampaignRecipient
from .conversation_read import ConversationRead
from .form import Form, FormSubmission
from .idempotency import IdempotencyRecord
from .inbox import WebhookEvent, WebhookIngest
from .journey import Journey, JourneyEnrollment, JourneyStepRun
from .login_throttle import LoginThrottle
from .oa_channel import OaChannel
from .oa_outbound import OaOutbound
from .oa_quota import OaUserQuota
from .oa_token import OaToken, OauthAttempt
from .order import Order, OrderCursor, OrderStatusChange
from .outbox import OutboxEvent
from .saved_reply import SavedReply
from .segment import Segment
from .setup_code import SetupCode
from .shop_setting import ShopSetting
from .storage_probe import StorageProbe
from .staff import ApiKey, ApiKeyUse, StaffSession, StaffUser
from .tags import CustomerTag, PipelineChange, Tag
from .zns import ZnsMessage, ZnsTemplate

__all__ = [
    "ApiKey", "ApiKeyUse", "AuditEntry", "ConversationEvent", "CustomerTag", "PipelineChange", "StaffSession",
    "StaffUser", "Tag",
    "AutoReplyRule", "Campaign", "CampaignRecipient", "ConsentRecord", "ConsoleChange", "Connector", "Conversation", "ConversationRead", "ConversationSearch", "Customer",
    "CustomerIdentity", "Delivery", "DeliveryLane",
    "Form", "FormSubmission", "IdempotencyRecord", "Journey", "JourneyEnrollment", "JourneyStepRun",
    "Message", "MessageReceipt", "OaContact", "OaOutbound",
    "OaToken", "OauthAttempt", "Order", "OrderCursor", "OrderStatusChange", "OutboxEvent", "ProfileConflict",
    "ProfileMerge", "SavedReply", "Segment", "SetupCode", "ShopSetting", "SyncRun", "InitialSync", "WebhookEvent", "WebhookIngest", "LoginThrottle", "StorageProbe",
    "ZnsMessage", "ZnsTemplate",
    "OaChannel", "OaUserQuota",
]
