"""What the KiotViet emulator holds: the retailer's credentials and tokens, customers, invoices, every GET it
served in the last hour (KiotViet allows 5,000; going over is recorded as a violation for tests to assert on),
and the fault switches."""
from __future__ import annotations

import secrets
import time
from collections import deque
from typing import Callable

from ..faults import FaultSwitches

GET_LIMIT_PER_HOUR = 5000


class KiotVietState(FaultSwitches):
    def __init__(self, client_id: str, client_secret: str, retailer: str, *, get_limit: int = GET_LIMIT_PER_HOUR):
        super().__init__()
        self.client_id, self.client_secret, self.retailer = client_id, client_secret, retailer
        self.tokens: set[str] = set()
        self.tokens_issued = 0
        self.customers: dict[int, dict] = {}
        self.invoices: list[dict] = []
        self.created: list[str] = []  # the code of every customer created, to prove none twice
        self.gets: deque[float] = deque()
        self.get_limit = get_limit
        self.violations: list[str] = []
        self.next_id = 1000
        self.clock: Callable[[], float] = time.time  # tests give it the product's frozen clock
        self.fault_methods: set[str] = {"GET", "POST", "PUT"}  # which calls the fault switches apply to

    def issue_token(self) -> str:
        with self.lock:
            token = "kv_" + secrets.token_hex(16)
            self.tokens.add(token)
            self.tokens_issued += 1
            return token

    def expire_tokens(self) -> None:
        """Every token issued so far stops working (KiotViet's last a day)."""
        with self.lock:
            self.tokens.clear()

    def count_get(self, path: str) -> None:
        now = self.clock()
        with self.lock:
            self.gets.append(now)
            while self.gets and self.gets[0] <= now - 3600:
                self.gets.popleft()
            if len(self.gets) > self.get_limit:
                self.violations.append(f"GET {path}: {len(self.gets)} GETs within an hour, over {self.get_limit}")

    def find(self, **fields) -> list[dict]:
        with self.lock:
            return [c for c in self.customers.values() if all(c.get(k) == v for k, v in fields.items() if v)]

    def seed(self, body: dict) -> dict:
        """One of the shop's own customers, made before any connector (not counted in `created`)."""
        customer = self.create(body)
        with self.lock:
            self.created.pop()
        return customer

    def create(self, body: dict) -> dict:
        with self.lock:
            self.next_id += 1
            code = body.get("code") or f"KH{self.next_id:06d}"  # KiotViet makes one up when none is given
            customer = {**body, "id": self.next_id, "retailerId": 1, "code": code}
            self.customers[customer["id"]] = customer
            self.created.append(customer["code"])
            return customer
