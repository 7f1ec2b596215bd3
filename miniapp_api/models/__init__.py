"""All models, imported here so Alembic and the app see the whole schema."""
from .consent import ConsentRecord
from .customer import Customer, CustomerIdentity, ProfileConflict, ProfileMerge
from .form import Form, FormSubmission
from .idempotency import IdempotencyRecord
from .outbox import OutboxEvent

__all__ = [
    "ConsentRecord", "Customer", "CustomerIdentity", "Form", "FormSubmission",
    "IdempotencyRecord", "OutboxEvent", "ProfileConflict", "ProfileMerge",
]
