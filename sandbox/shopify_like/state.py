"""What the Haravan/Sapo emulator holds: customers and orders, the token it accepts, its leaky bucket (real time:
`bucket` calls, leaking `leak` a second; a call that finds it full is a 429 and counted as an overflow, which
tests assert never happens), and the shared fault switches."""
from __future__ import annotations

import math
import time

from ..faults import FaultSwitches


class ShopifyLikeState(FaultSwitches):
    def __init__(self, token: str, *, bucket: int, leak: float):
        super().__init__()
        self.token, self.bucket, self.leak = token, bucket, leak
        self.level, self.updated = 0.0, time.monotonic()
        self.overflows = 0
        self.customers: dict[int, dict] = {}
        self.orders: list[dict] = []
        self.created: list[str] = []  # tags of every customer created
        self.next_id = 5000
        self.fault_methods: set[str] = {"GET", "POST", "PUT"}

    def take_call(self) -> tuple[bool, int, float]:
        """Pour one call into the bucket: (fits, calls now in it, seconds until one more fits)."""
        with self.lock:
            now = time.monotonic()
            self.level = max(0.0, self.level - (now - self.updated) * self.leak)
            self.updated = now
            if self.level + 1 > self.bucket:
                self.overflows += 1
                return False, math.ceil(self.level), (self.level + 1 - self.bucket) / self.leak
            self.level += 1
            return True, math.ceil(self.level), 0.0

    def search(self, query: str) -> list[dict]:
        field, _, value = query.partition(":")
        with self.lock:
            if field == "tag":
                return [c for c in self.customers.values() if value in c.get("tags", "").split(", ")]
            if field == "phone":
                return [c for c in self.customers.values() if c.get("phone") == value]
            return list(self.customers.values())

    def seed(self, body: dict) -> dict:
        """One of the shop's own customers, made before any connector (not counted in `created`)."""
        customer = self.create(body)
        with self.lock:
            self.created.pop()
        return customer

    def create(self, body: dict) -> dict:
        with self.lock:
            self.next_id += 1
            customer = {**body, "id": self.next_id}
            self.customers[customer["id"]] = customer
            self.created.append(customer.get("tags", ""))
            return customer
