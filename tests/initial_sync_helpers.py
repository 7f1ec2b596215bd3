"""Steps the initial sync tests share: profiles as channels make them, and a worker driven to the end."""
from __future__ import annotations

import sqlalchemy as sa

from crm_sync import initial_sync
from crm_sync.clients import client_for
from crm_sync.engine import sync_connector
from miniapp_api.extensions import db
from miniapp_api.models import Connector, Customer, CustomerIdentity, InitialSync
from miniapp_api.models.customer import CRM, PHONE, ZALO_APP
from miniapp_api.models.queue import PENDING, PROCESSING
from miniapp_api.services.customers.profiles import Claim, resolve_profile

RUNNING = (PENDING, PROCESSING)


def zalo_user(app_user_id: str, phone: str | None = None, *, verified: bool = True, name: str | None = None) -> str:
    """A Mini App user (in an app context): a verified Zalo id, with a phone Zalo decoded or one they typed."""
    claims = [Claim(ZALO_APP, app_user_id, True, "miniapp")]
    if phone:
        claims.append(Claim(PHONE, phone, verified, "miniapp"))
    return resolve_profile(db.session, claims, facts={"full_name": name} if name else None).customer.ref


def start_sync(app, name: str, phases=None) -> int:
    with app.app_context():
        connector = db.session.scalar(sa.select(Connector).where(Connector.name == name))
        sync = initial_sync.start(db.session, connector, client_for(app, connector), phases, started_by="test")
        db.session.commit()
        return sync.id


def drive(app, clock, name: str, *, owner: str = "worker-1", rounds: int = 400, max_pages: int | None = None,
          step_seconds: float = 3):
    """What a worker does until the sync settles: slices of the sync, the connector's own pushes, time passing."""
    for _ in range(rounds):
        with app.app_context():
            initial_sync.run_due(app, db.session, owner, max_pages=max_pages)
            sync_connector(app, name, owner=owner)
            connector = db.session.scalar(sa.select(Connector).where(Connector.name == name))
            sync = initial_sync.current(db.session, connector.id)
            if sync.status not in RUNNING:
                return initial_sync.progress(db.session, sync, name)
        clock.advance(seconds=step_seconds)
    raise AssertionError(f"the initial sync of {name} did not settle in {rounds} rounds")


def sync_progress(app, name: str) -> dict:
    with app.app_context():
        connector = db.session.scalar(sa.select(Connector).where(Connector.name == name))
        return initial_sync.progress(db.session, initial_sync.current(db.session, connector.id), name)


def crm_links(app, name: str) -> dict[str, str]:
    """The CRM's customer id → the ref of the live profile holding it."""
    with app.app_context():
        rows = db.session.execute(sa.select(CustomerIdentity.value, Customer.ref).join(Customer).where(
            CustomerIdentity.kind == CRM, CustomerIdentity.value.startswith(f"{name}:"))).all()
        return {value.partition(":")[2]: ref for value, ref in rows}


def killed_mid_page(app, monkeypatch, *, linked: int, owner: str = "worker-1") -> int:
    """A worker claims the sync and dies `linked` records into a link page (nothing of that page commits, its lease
    stays until it lapses); returns the sync's id."""
    real_link = initial_sync.link_crm_customers

    def dying(session, name, remotes):
        real_link(session, name, remotes[:linked])
        raise SystemExit(f"{owner} killed")

    monkeypatch.setattr(initial_sync, "link_crm_customers", dying)
    with app.app_context():
        sync_id = initial_sync.claim(db.session, InitialSync, owner=owner, limit=1)[0]
        try:
            initial_sync.work(app, db.session, sync_id, owner)
        except SystemExit:
            db.session.rollback()
    monkeypatch.setattr(initial_sync, "link_crm_customers", real_link)
    return sync_id
