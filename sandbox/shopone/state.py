"""What the ShopOne emulator holds: customers, orders, what arrived, and the faults to play.

Writes are deduplicated by `Idempotency-Key` exactly as the contract says a
real ShopOne must: a repeated key gets the first answer back and changes
nothing. `applied` lists every write that took effect and `duplicates` every
repeat that was absorbed, so tests can prove exactly-once as the receiver sees it.
"""
from __future__ import annotations

import datetime as dt
import secrets

from ..faults import FAULTS, FaultSwitches


def utc_iso(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def parse_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.timezone.utc)


class ShopOneState(FaultSwitches):
    """Thread-safe in-memory state shared by the emulator's blueprints."""

    def __init__(self, api_key: str = "sandbox-shopone-key"):
        super().__init__()
        self.api_key = api_key
        self.customers: dict[str, dict] = {}  # by our ref: every record a connector wrote
        self.natives: dict[str, dict] = {}    # by ShopOne id: the shop's own customers no connector wrote yet
        self.listed: list[str] = []           # every customer's ShopOne id in creation order (ours: our ref)
        self.ref_of: dict[str, str] = {}      # a native's ShopOne id → the ref a connector filed on it
        self.submissions: list[dict] = []
        self.orders: dict[str, dict] = {}
        self.applied: list[dict] = []
        self.duplicates: list[str] = []
        self.responses: dict[str, tuple[int, dict]] = {}
        self.requests: list[dict] = []
        self.reject_refs: set[str] = set()
        self.fail_item_refs: set[str] = set()

    # Faults -----------------------------------------------------------------
    def set_faults(self, **settings) -> None:
        with self.lock:
            for name, value in settings.items():
                if name in FAULTS:
                    self.faults[name] = int(value)
                elif name in ("reject_refs", "fail_item_refs"):
                    setattr(self, name, set(value))
                elif name in ("retry_after", "hang_seconds"):
                    setattr(self, name, type(getattr(self, name))(value))
                else:
                    raise ValueError(f"unknown fault {name!r}")

    def rotate_key(self) -> str:
        with self.lock:
            self.api_key = "shopone_" + secrets.token_hex(12)
            return self.api_key

    # Writes -----------------------------------------------------------------
    def write_once(self, key: str, ref: str, kind: str, apply) -> tuple[int, dict]:
        """Run `apply()` once per idempotency key; repeats get the stored answer."""
        with self.lock:
            if key in self.responses:
                self.duplicates.append(key)
                return self.responses[key]
            if ref in self.reject_refs:
                return 422, {"error": "validation_failed", "detail": f"record {ref} rejected by the sandbox"}
            status, body = apply()
            self.responses[key] = (status, body)
            self.applied.append({"key": key, "ref": ref, "kind": kind})
            return status, body

    def upsert_customer(self, key: str, ref: str, data: dict) -> tuple[int, dict]:
        def apply():
            existing = self.customers.get(ref)
            native = self.natives.pop(str(data.get("id")), None) if existing is None else None
            if native is not None:  # the shop's own customer, linked to this ref: filed on it, not made again
                existing = native
                self.ref_of[native["id"]] = ref
            elif existing is None:
                self.listed.append(ref)
            version = (existing or {}).get("_version", 0) + 1
            self.customers[ref] = {**data, "ref": ref, "_version": version}
            return (200 if existing else 201), {"ref": ref, "version": version,
                                               "result": "updated" if existing else "created"}
        return self.write_once(key, ref, "customer", apply)

    def add_submission(self, key: str, ref: str, data: dict) -> tuple[int, dict]:
        def apply():
            self.submissions.append({**data, "customer_ref": ref})
            return 201, {"ref": ref, "submission_ref": data.get("submission_ref")}
        return self.write_once(key, ref, "submission", apply)

    # The shop's own customers (the initial sync lists them) ----------------------
    def add_native(self, customer: dict) -> dict:
        with self.lock:
            native = {**customer, "id": f"so_{len(self.listed) + 1:06d}"}
            self.natives[native["id"]] = native
            self.listed.append(native["id"])
            return native

    def listing(self, start: int, limit: int) -> tuple[list[dict], int]:
        """Every customer in creation order from `start`: the shop's own and those connectors wrote."""
        with self.lock:
            rows = []
            for shopone_id in self.listed[start:start + limit]:
                if shopone_id in self.natives:
                    rows.append({**self.natives[shopone_id], "ref": None})
                else:
                    record = self.customers[self.ref_of.get(shopone_id, shopone_id)]
                    rows.append({k: v for k, v in record.items() if k != "_version"} | {"id": shopone_id})
            return rows, len(self.listed)

    # Orders -----------------------------------------------------------------
    def put_order(self, order: dict) -> dict:
        with self.lock:
            current = self.orders.get(str(order["id"]), {})
            merged = {"currency": "VND", "items": [], "total": 0, **current, **order, "id": str(order["id"])}
            merged["updated_at"] = utc_iso(parse_time(order["updated_at"]) if order.get("updated_at")
                                           else dt.datetime.now(dt.timezone.utc))
            merged.setdefault("created_at", merged["updated_at"])
            self.orders[merged["id"]] = merged
            return merged

    def orders_after(self, updated_after: dt.datetime, cursor: str | None, limit: int) -> tuple[list[dict], bool]:
        """Orders after the keyset position, oldest first by (updated_at, id)."""
        with self.lock:
            rows = sorted(self.orders.values(), key=lambda o: (parse_time(o["updated_at"]), o["id"]))
        if cursor is None:
            rows = [o for o in rows if parse_time(o["updated_at"]) >= updated_after]
        else:
            rows = [o for o in rows if (parse_time(o["updated_at"]), o["id"]) > (updated_after, cursor)]
        return rows[:limit], len(rows) > limit

    def record(self, entry: dict) -> None:
        with self.lock:
            self.requests.append(entry)
