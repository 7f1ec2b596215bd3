"""The customer profile aggregate: one person, their identities, merges and conflicts."""
from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import JSONType, UTCDateTime, utcnow

# Identity kinds. A customer holds at most one verified identity of each kind;
# Zalo identities are exclusive (one per customer), phones may be several.
ZALO_APP = "zalo_app"   # per-app user id: Mini App userInfo.id, /me id, OA user_id_by_app
ZALO_OA = "zalo_oa"     # OA-scoped id: webhook sender.id, userInfo.idByOA
PHONE = "phone"         # E.164
CRM = "crm"             # a CRM's own customer id, as "<connector name>:<id>" (owned by that CRM)
IDENTITY_KINDS = (ZALO_APP, ZALO_OA, PHONE, CRM)
EXCLUSIVE_KINDS = (ZALO_APP, ZALO_OA)

# Who set a profile field (`Customer.field_sources`). Staff and CRMs are trusted: what they set is never
# overwritten by what a customer types. A field with no entry was provided by the customer.
BY_CUSTOMER = "customer"  # the person, through their own Zalo account (form, info card, Zalo profile)
BY_STAFF = "staff"
BY_CRM = "crm"
TRUSTED_ORIGINS = (BY_STAFF, BY_CRM)


def new_ref(prefix: str) -> str:
    """A stable public id, safe to hand to CRMs and to show in URLs."""
    return f"{prefix}_{uuid.uuid4().hex}"


class Customer(db.Model):
    """One person. Merged-away profiles stay as tombstones pointing at the survivor."""

    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.String(40), unique=True, default=lambda: new_ref("cus"))
    full_name: Mapped[str | None] = mapped_column(sa.String(200))
    zalo_display_name: Mapped[str | None] = mapped_column(sa.String(200))
    avatar_url: Mapped[str | None] = mapped_column(sa.String(1000))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    province: Mapped[str | None] = mapped_column(sa.String(100))
    address: Mapped[str | None] = mapped_column(sa.String(500))
    attributes: Mapped[dict] = mapped_column(JSONType, default=dict)
    # Field name (or "attributes.<key>") → who set it (BY_STAFF, BY_CRM); absent means BY_CUSTOMER.
    field_sources: Mapped[dict] = mapped_column(JSONType, default=dict, server_default=sa.text("'{}'"))
    # Names, email and phones without diacritics, lower case (services.inbox.search_text); indexed in SQL only.
    search_text: Mapped[str | None] = mapped_column(sa.Text)
    source: Mapped[str] = mapped_column(sa.String(32), default="miniapp")
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customer.id"), index=True)
    pipeline_status: Mapped[str] = mapped_column(sa.String(16), default="new", server_default="new")
    # Number of the customer's latest outbox event: taken under this row's lock, so it follows commit order.
    version: Mapped[int] = mapped_column(default=0, server_default="0")
    erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    identities: Mapped[list["CustomerIdentity"]] = relationship(
        back_populates="customer", order_by="CustomerIdentity.id")
    merged_into: Mapped["Customer | None"] = relationship(remote_side=[id], viewonly=True)

    def identity(self, kind: str, *, verified_only: bool = False) -> "CustomerIdentity | None":
        """The customer's preferred identity of a kind (verified first, then oldest)."""
        candidates = [i for i in self.identities if i.kind == kind and (i.verified or not verified_only)]
        candidates.sort(key=lambda i: (not i.verified, i.id is None, i.id or 0))  # not flushed yet: newest
        return candidates[0] if candidates else None


class CustomerIdentity(db.Model):
    """An identifier that points to exactly one customer (unique per kind and value)."""

    __tablename__ = "customer_identity"
    __table_args__ = (sa.UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    value: Mapped[str] = mapped_column(sa.String(64))
    verified: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="identities")


class ProfileMerge(db.Model):
    """Audit trail of a merge: which profile was folded into which, and why."""

    __tablename__ = "profile_merge"

    id: Mapped[int] = mapped_column(primary_key=True)
    survivor_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"), index=True)
    merged_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(200))
    moved_identities: Mapped[list] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProfileConflict(db.Model):
    """Two profiles that may be one person but must not be merged automatically ("possible same person").

    Either both hold different verified identities of a kind (`kind` lists them), or an unverified claim
    (`claim`: a typed phone, an info card, a client-sent OA id) points at a profile that holds verified
    identities or staff/CRM data. Staff merge them or keep them apart (`resolution`).
    """

    __tablename__ = "profile_conflict"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"), index=True)
    other_customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(64))
    detail: Mapped[str] = mapped_column(sa.String(500))
    # The unverified claim that pointed at the other profile: {"kind", "value", "source", "claimed_by"}.
    claim: Mapped[dict | None] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    resolution: Mapped[str | None] = mapped_column(sa.String(16))  # merged | dismissed
    resolved_by: Mapped[str | None] = mapped_column(sa.String(254))
