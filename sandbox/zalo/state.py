"""What the Zalo emulator knows: test users, their tokens and phone codes, and every request."""
from __future__ import annotations

import dataclasses
import secrets
import threading
import time

import phonenumbers

from .window import WindowRules


@dataclasses.dataclass
class SandboxUser:
    """A fake Zalo user with both of their ids and a phone in Zalo's `84…` form."""

    app_user_id: str
    oa_user_id: str
    name: str
    phone: str | None = None
    avatar: str | None = None

    def public(self) -> dict:
        return dataclasses.asdict(self)


def _numeric_id() -> str:
    """Zalo ids are 18–19 digit decimal strings."""
    return str(secrets.randbelow(9 * 10**17) + 10**17)


# Mobile prefixes (after the leading 0) assigned to Vietnamese networks since the 2018 renumbering.
ASSIGNED_MOBILE_PREFIXES = ("32", "33", "34", "35", "36", "37", "38", "39", "86", "96", "97", "98",  # Viettel
                            "70", "76", "77", "78", "79", "89", "90", "93",  # MobiFone
                            "81", "82", "83", "84", "85", "88", "91", "94",  # VinaPhone
                            "56", "58", "92")  # Vietnamobile


def random_mobile_phone() -> str:
    """A random Vietnamese mobile number in Zalo's `84…` form that phone libraries accept as valid.

    Only assigned prefixes are drawn and each draw is checked with phonenumbers, so a test
    user never gets a number the backend rejects (random `099…` numbers fell into unassigned blocks).
    """
    while True:
        national = secrets.choice(ASSIGNED_MOBILE_PREFIXES) + f"{secrets.randbelow(10**7):07d}"
        number = phonenumbers.parse("+84" + national)
        if (phonenumbers.is_valid_number(number)
                and phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE):
            return "84" + national


class ZaloState:
    """Thread-safe in-memory state, shared by every blueprint of one emulator."""

    def __init__(self, app_id: str, app_secret: str, oa_id: str, oa_secret_key: str):
        self.app_id, self.app_secret = app_id, app_secret
        self.oa_id, self.oa_secret_key = oa_id, oa_secret_key
        self.lock = threading.RLock()
        self.users: dict[str, SandboxUser] = {}          # by app_user_id
        self.access_tokens: dict[str, tuple[str, float]] = {}  # token → (app_user_id, expires_at)
        self.phone_codes: dict[str, tuple[str, float]] = {}    # code → (app_user_id, expires_at), single use
        self.requests: list[dict] = []
        self.clock = time.time
        # OA side (see oa.py, oauth.py, simulator.py)
        self.oa_tokens: dict[str, float] = {}        # OA access token → expires_at
        self.refresh_tokens: dict[str, float] = {}   # single use: popped when spent
        self.auth_codes: dict[str, tuple[str, str, float]] = {}  # code → (challenge, redirect_uri, expires_at)
        self.refresh_calls = 0
        self.refresh_token_lifetime = 90 * 24 * 3600  # seconds; sent as `refresh_token_expires_in`
        self.token_delay = 0.0                       # seconds the token endpoint takes (widens races in tests)
        self.sent_messages: list[dict] = []
        self.chat: list[dict] = []                   # both directions, oldest first: GET /v2.0/oa/conversation
        self.faults: list[dict] = []                 # {"path", "code" | "hang_seconds", "times"}: forced faults
        self.release = threading.Event()             # ends every hang early (POST /_sandbox/oa/release)
        self.tags: dict[str, set[str]] = {}          # tag → OA user ids
        self.followers: set[str] = set()             # OA user ids
        self.last_interaction: dict[str, int] = {}   # OA user id → ms
        self.window = WindowRules()                  # free replies, follow, Zalo Cloud Account switches (window.py)
        self.webhook_url: str | None = None          # where the customer simulator delivers events
        self.echo_events = False                     # after message/cs: deliver oa_send_* echo and receipt
        # path → callables run once while a call to that path is in flight, before it is answered
        # (tests: something happens on our side between the backend's call and Zalo's answer)
        self.in_flight: dict[str, list] = {}
        # Mini App message token (7 days, from the Mini App's function button) → (OA user id, expires_at)
        self.miniapp_message_tokens: dict[str, tuple[str, float]] = {}

    def run_while_in_flight(self, path: str) -> None:
        with self.lock:
            actions = self.in_flight.pop(path, [])
        for action in actions:
            action()

    def user_by_oa_id(self, oa_user_id: str) -> SandboxUser | None:
        with self.lock:
            return next((u for u in self.users.values() if u.oa_user_id == oa_user_id), None)

    def issue_oa_tokens(self, expires_in: int = 90000) -> tuple[str, str]:
        """A new OA access/refresh pair; the refresh token lives `refresh_token_lifetime` and is single-use."""
        with self.lock:
            access, refresh = "oa_at_" + secrets.token_urlsafe(24), "oa_rt_" + secrets.token_urlsafe(24)
            self.oa_tokens[access] = self.clock() + expires_in
            self.refresh_tokens[refresh] = self.clock() + self.refresh_token_lifetime
            return access, refresh

    def take_fault(self, path: str, kind: str = "code"):
        """The next forced error `code` (or `hang_seconds`) for `path`, if a test queued one."""
        with self.lock:
            for fault in self.faults:
                if fault["path"] == path and fault.get(kind) is not None and fault["times"] > 0:
                    fault["times"] -= 1
                    return fault[kind]
            return None

    def log_chat(self, user_id: str, src: int, type_: str, text: str, message_id: str, **media) -> None:
        """One line of a conversation as Zalo lists it (src 0: OA → user, 1: user → OA)."""
        with self.lock:
            self.chat.append({"user_id": user_id, "src": src, "time": int(self.clock() * 1000), "type": type_,
                              "message": text, "message_id": message_id, **media})

    def create_user(self, name: str, phone: str | None = None, app_user_id: str | None = None,
                    oa_user_id: str | None = None, avatar: str | None = None) -> SandboxUser:
        with self.lock:
            user = SandboxUser(app_user_id=app_user_id or _numeric_id(), oa_user_id=oa_user_id or _numeric_id(),
                               name=name, phone=phone, avatar=avatar)
            self.users[user.app_user_id] = user
            return user

    def issue_access_token(self, app_user_id: str, expires_in: float = 3600) -> str:
        with self.lock:
            token = "zmp_" + secrets.token_urlsafe(24)
            self.access_tokens[token] = (app_user_id, self.clock() + expires_in)
            return token

    def issue_phone_code(self, app_user_id: str, expires_in: float = 120) -> str:
        with self.lock:
            code = "phone_" + secrets.token_urlsafe(18)
            self.phone_codes[code] = (app_user_id, self.clock() + expires_in)
            return code

    def record(self, entry: dict) -> None:
        with self.lock:
            self.requests.append(entry)
