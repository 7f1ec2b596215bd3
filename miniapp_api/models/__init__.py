"""All models, imported here so Alembic and the app see the whole schema."""
from .connector import Connector, SyncRun
from .consent import ConsentRecord
from .customer import Customer, CustomerIdentity, ProfileConflict, ProfileMerge
from .delivery import Delivery
from .form import Form, FormSubmission
from .idempotency import IdempotencyRecord
from .order import Order, OrderCursor, OrderStatusChange
from .outbox import OutboxEvent

__all__ = [
    "ConsentRecord", "Connector", "Customer", "CustomerIdentity", "Delivery", "Form", "FormSubmission",
    "IdempotencyRecord", "Order", "OrderCursor", "OrderStatusChange", "OutboxEvent", "ProfileConflict",
    "ProfileMerge", "SyncRun",
]
