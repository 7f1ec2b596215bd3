"""An integrator's endpoint for the generic webhook connector: verifies Standard Webhooks
signatures, deduplicates on `webhook-id` and records what arrived (tests and demos)."""
from __future__ import annotations

import threading
import time

from flask import Flask, jsonify, request

from crm_sync import standard_webhooks


class ReceiverState:
    def __init__(self, secret: str):
        self.secret = secret
        self.lock = threading.Lock()
        self.accepted: dict[str, dict] = {}   # webhook-id → body
        self.duplicates: list[str] = []
        self.rejected = 0
        self.fail_next = 0


def create_receiver_app(state: ReceiverState) -> Flask:
    app = Flask("sandbox.webhook_receiver")
    app.config["RECEIVER_STATE"] = state

    @app.post("/hooks")
    def receive():
        current: ReceiverState = app.config["RECEIVER_STATE"]
        body = request.get_data()
        try:
            msg_id = standard_webhooks.verify(current.secret, request.headers, body, time.time(),
                                              tolerance=10**10)  # the product's clock may be frozen in tests
        except standard_webhooks.InvalidSignature as exc:
            with current.lock:
                current.rejected += 1
            return jsonify({"error": str(exc)}), 401
        with current.lock:
            if current.fail_next:
                current.fail_next -= 1
                return jsonify({"error": "sandbox: failing as asked"}), 503
            if msg_id in current.accepted:
                current.duplicates.append(msg_id)
            else:
                current.accepted[msg_id] = request.get_json()
        return "", 204

    return app
