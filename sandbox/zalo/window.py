"""The emulated Zalo's messaging window and quota: who may get a consultation message, and what it costs.

Rules as documented (docs/oa.md, "Messaging window and quota"): a customer
message (or `user_submit_info`) opens the window; within 48 h the OA has
`free_replies` free replies (8, reset by each new customer message; `None`
for the 2026 pricing page's "free and unlimited"), after those or after 48 h a
message is taken from the OA package (`package_quota`) or billed to the Zalo
Cloud Account (`-320` when none is linked, `-321` when it is out of funds);
after 7 days `-230`; a user who never interacted gets `-232`. Whether a follow
opens the window is not documented: off by default (`follow_opens_window`).
Tests and developers flip these switches through `POST /_sandbox/oa/window`.
"""
from __future__ import annotations

import dataclasses

FREE_MS = 48 * 3600 * 1000
SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000
ZCA_STATES = {"linked": None, "missing": (-320, "Application needs to connect with a Zalo Cloud Account"),
              "no_funds": (-321, "Zalo Cloud Account is out of money or cannot be charged")}


@dataclasses.dataclass
class WindowRules:
    """The switches, and the free replies each user has used since their last interaction."""

    free_replies: int | None = 8
    follow_opens_window: bool = False
    zca: str = "linked"
    package_quota: int = 0
    package_total: int = 0
    replies_used: dict = dataclasses.field(default_factory=dict)

    def public(self) -> dict:
        return {k: v for k, v in dataclasses.asdict(self).items() if k != "replies_used"}

    def configure(self, body: dict) -> None:
        """Apply the switches given (unknown `zca` values and keys are refused by the caller)."""
        if "free_replies" in body:
            self.free_replies = None if body["free_replies"] is None else int(body["free_replies"])
        if "follow_opens_window" in body:
            self.follow_opens_window = bool(body["follow_opens_window"])
        if "zca" in body:
            if body["zca"] not in ZCA_STATES:
                raise ValueError(f"zca must be one of {', '.join(ZCA_STATES)}")
            self.zca = body["zca"]
        if "package_quota" in body:
            self.package_quota = self.package_total = int(body["package_quota"])


def note_interaction(state, name: str, uid: str | None, timestamp_ms: int) -> None:
    """What an event from the user does to their window (call with `state.lock` held)."""
    rules: WindowRules = state.window
    if uid and (name.startswith("user_send_") or name == "user_submit_info"
                or (name == "follow" and rules.follow_opens_window)):
        state.last_interaction[uid] = timestamp_ms
        rules.replies_used[uid] = 0


def charge(state, user_id: str) -> tuple[tuple[int, str] | None, dict | None]:
    """Take one consultation message from the user's window: (error, None) or (None, `quota` or None when billed)."""
    rules: WindowRules = state.window
    with state.lock:
        last = state.last_interaction.get(user_id)
        if last is None:
            return (-232, "User has not interacted with the OA"), None
        age = state.clock() * 1000 - last
        if age > SEVEN_DAYS_MS:
            return (-230, "User has not interacted with the OA in the past 7 days"), None
        used = rules.replies_used.get(user_id, 0)
        if age <= FREE_MS and (rules.free_replies is None or used < rules.free_replies):
            rules.replies_used[user_id] = used + 1
            if rules.free_replies is None:
                return None, {"quota_type": "reply"}
            return None, {"quota_type": "reply", "remain": str(rules.free_replies - used - 1),
                          "total": str(rules.free_replies)}
        if rules.package_quota > 0:
            rules.package_quota -= 1
            return None, {"quota_type": "sub_quota", "remain": str(rules.package_quota),
                          "total": str(rules.package_total), "expired_date": "31/12/2099"}
        if ZCA_STATES[rules.zca] is not None:
            return ZCA_STATES[rules.zca], None
        return None, None  # billed to the Zalo Cloud Account: Zalo's answer carries no quota


def quota_answer(state, user_id: str) -> dict:
    """`data` of `POST /v3.0/oa/quota/message` for this user, from the same state `charge` uses."""
    rules: WindowRules = state.window
    with state.lock:
        last = state.last_interaction.get(user_id)
        data = {"last_interaction": str(last) if last else ""}
        if rules.free_replies is not None:
            within = last is not None and state.clock() * 1000 - last <= FREE_MS
            left = rules.free_replies - rules.replies_used.get(user_id, 0) if within else 0
            data["cs_reply"] = {"remain": max(left, 0), "total": rules.free_replies}
    data["promotion"] = {"daily_remain": 1, "daily_total": 1, "monthly_remain": 4, "monthly_total": 4}
    return data


def revoke(state) -> dict:
    """The OA admin removes the app: every token stops working (`-216`), and the `permission_revoked` event."""
    with state.lock:
        state.oa_tokens.clear()
        state.refresh_tokens.clear()
    return {"app_id": state.app_id, "oa_id": state.oa_id, "event_name": "permission_revoked",
            "timestamp": str(int(state.clock() * 1000))}
