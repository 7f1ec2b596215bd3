"""Steps the CRM sync tests share: a ShopOne connector on the emulator, customers with queued
upserts, a sync pass, and a look at the delivery table."""
from __future__ import annotations

import threading

import sqlalchemy as sa

from crm_sync.admin import save_connector
from crm_sync.engine import sync_connector
from miniapp_api.extensions import db
from miniapp_api.models import Connector, Delivery
from miniapp_api.models.customer import PHONE
from miniapp_api.services.customers.profiles import Claim, resolve_profile

SHORT_SCHEDULE = "5,60,300"  # tests advance the clock through three retries


def add_shopone(app, shopone, name="shopone", **settings) -> None:
    defaults = {"base_url": shopone.url, "rate_limit_per_second": 0, "batch_size": 50,
                "connect_timeout": 1.0, "read_timeout": 2.0}
    with app.app_context():
        save_connector(db.session, app.config["SECRET_KEY"], name, "shopone",
                       credentials={"api_key": shopone.api_key}, **{**defaults, **settings})
        db.session.commit()


def new_customer(app, phone="+84912345678", name="Nguyễn Văn An") -> str:
    """A profile created the way channels create them; queues `customer.upserted`."""
    with app.app_context():
        customer = resolve_profile(db.session, [Claim(PHONE, phone, True, "test")], facts={"full_name": name}).customer
        db.session.commit()
        return customer.ref


def rename(app, ref, name) -> None:
    with app.app_context():
        _rename(ref, name)
        db.session.commit()


def _rename(ref, name) -> None:
    from miniapp_api.models import Customer
    from miniapp_api.services.customers.profiles import apply_facts, publish_upsert

    customer = db.session.scalar(sa.select(Customer).where(Customer.ref == ref))
    apply_facts(customer, {"full_name": name})
    publish_upsert(db.session, customer)


def edit_customers(app, n: int, per_transaction: int = 10, rename_too: bool = True, writers: int = 1) -> list[str]:
    """Customers as a Mini App session makes them: first a bare profile (a Zalo id, no name or phone),
    then the form adds phone and name, then (`rename_too`) a staff edit renames them; each step its own
    transaction, `per_transaction` customers at a time, by `writers` concurrent threads (web processes).
    Returns their refs."""
    from miniapp_api.models.customer import ZALO_APP

    numbers, refs, errors = phones(n), [None] * n, []

    def write(indices: range) -> None:
        for start in range(indices.start, indices.stop, per_transaction):
            chunk = range(start, min(indices.stop, start + per_transaction))
            with app.app_context():
                for i in chunk:
                    claims = [Claim(ZALO_APP, f"app-{i}", True, "test")]
                    refs[i] = resolve_profile(db.session, claims).customer.ref
                db.session.commit()
                for i in chunk:
                    resolve_profile(db.session, [Claim(ZALO_APP, f"app-{i}", True, "test"),
                                                 Claim(PHONE, numbers[i], True, "test")],
                                    facts={"full_name": f"Khách {i}"})
                db.session.commit()
                for i in chunk if rename_too else ():
                    _rename(refs[i], f"Khách {i} (VIP)")
                db.session.commit()

    def guarded(indices: range) -> None:
        try:
            write(indices)
        except Exception as exc:  # surfaced below
            errors.append(exc)

    share = -(-n // writers)
    threads = [threading.Thread(target=guarded, args=(range(k, min(n, k + share)),)) for k in range(0, n, share)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return refs


def stale_at_crm(app, shopone, refs) -> list[str]:
    """Refs whose record at the ShopOne emulator differs from the customer's state in our database."""
    from miniapp_api.models import Customer
    from miniapp_api.services.customers.phones import to_local_vn

    with app.app_context():
        ours = {c.ref: (c.full_name, to_local_vn(c.identity(PHONE).value))
                for c in db.session.scalars(sa.select(Customer).where(Customer.ref.in_(refs)))}
    return [ref for ref in refs if (shopone.customers.get(ref, {}).get("name"),
                                    shopone.customers.get(ref, {}).get("phone")) != ours[ref]]


def phones(n: int) -> list[str]:
    return [f"+849{10000000 + i:08d}" for i in range(n)]


def sync(app, name="shopone"):
    with app.app_context():
        report = sync_connector(app, name)
        return [(r.kind, r.sent, r.failed, r.dead, r.note) for r in report.runs], report.skipped


def deliveries(app, name="shopone") -> list[dict]:
    with app.app_context():
        rows = db.session.execute(sa.select(Delivery).join(Connector).where(Connector.name == name)
                                  .order_by(Delivery.id)).scalars().all()
        return [{"id": d.id, "status": d.status, "event": d.event_type, "ref": d.aggregate_id,
                 "attempts": d.attempts, "error": d.last_error, "body": d.response_body,
                 "available_at": d.available_at} for d in rows]


def statuses(app, name="shopone") -> dict[str, int]:
    counts: dict[str, int] = {}
    for d in deliveries(app, name):
        counts[d["status"]] = counts.get(d["status"], 0) + 1
    return counts


def connector(app, name="shopone") -> Connector:
    with app.app_context():
        row = db.session.scalar(sa.select(Connector).where(Connector.name == name))
        db.session.expunge(row)
        return row


def applied_refs(shopone) -> list[str]:
    return [a["ref"] for a in shopone.applied if a["kind"] == "customer"]


def shopone_taking_pushes(app, shopone) -> str:
    """The ShopOne connector with a Standard Webhooks secret, so it may push orders; returns the secret."""
    from crm_sync import standard_webhooks
    from crm_sync.admin import save_connector

    secret = standard_webhooks.new_secret()
    add_shopone(app, shopone)
    with app.app_context():
        save_connector(db.session, app.config["SECRET_KEY"], "shopone", credentials={"webhook_secret": secret})
        db.session.commit()
    return secret
