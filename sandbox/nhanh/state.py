"""What the Nhanh.vn emulator holds: the app's credentials, customers keyed by mobile (Nhanh's own key for them),
every call in the current 30-second window (going over the limit is answered ERR_429 and recorded as a violation,
which tests assert never happens), and the shared fault switches."""
from __future__ import annotations

import time
from collections import deque
from typing import Callable

from ..faults import FaultSwitches

REQUESTS_PER_WINDOW, WINDOW_SECONDS = 150, 30


class NhanhState(FaultSwitches):
    def __init__(self, app_id: str, business_id: str, access_token: str, *, limit: int = REQUESTS_PER_WINDOW):
        super().__init__()
        self.app_id, self.business_id, self.access_token = app_id, business_id, access_token
        self.customers: dict[str, dict] = {}  # by mobile
        self.writes: list[str] = []           # the mobile of every customer created, to prove none twice
        self.calls: deque[float] = deque()
        self.limit = limit
        self.violations: list[str] = []
        self.next_id = 7000
        self.clock: Callable[[], float] = time.time  # tests give it the product's frozen clock

    def take_call(self, path: str) -> float | None:
        """Count a call in the window; seconds the caller is locked out for when it is one too many."""
        now = self.clock()
        with self.lock:
            while self.calls and self.calls[0] <= now - WINDOW_SECONDS:
                self.calls.popleft()
            if len(self.calls) >= self.limit:
                self.violations.append(f"{path}: call {len(self.calls) + 1} within {WINDOW_SECONDS} s")
                return self.calls[0] + WINDOW_SECONDS - now
            self.calls.append(now)
            return None

    def seed(self, customer: dict) -> dict:
        """One of the shop's own customers, made before any connector (not counted in `writes`)."""
        with self.lock:
            self.next_id += 1
            stored = {**customer, "id": self.next_id}
            self.customers[customer["mobile"]] = stored
            return stored

    def upsert(self, customer: dict) -> dict:
        """`customer/add`: Nhanh keys customers by mobile, adding one it does not hold and updating one it does."""
        with self.lock:
            stored = self.customers.get(customer["mobile"])
            if stored is None:
                self.writes.append(customer["mobile"])
                stored = self.seed(customer)
            else:
                stored.update({k: v for k, v in customer.items() if k != "id"})
            return stored
