"""The Haravan and Sapo admin APIs as their flavour of Shopify's shape: `{prefix}/customers/search.json`,
`{prefix}/customers.json` (listed by `since_id`, or created), `{prefix}/customers/count.json`,
`{prefix}/customers/{id}.json`, `{prefix}/orders.json`; bodies wrapped in
`{"customer": …}`; errors `{"errors": …}`; the call-limit header on every answer and 429 with `Retry-After` when
the bucket is full. Haravan authenticates with `Authorization: Bearer`, Sapo with `X-Sapo-Access-Token`."""
from __future__ import annotations

import math
import re

from flask import Blueprint, Flask, current_app, g, jsonify, request

from ..faults import drop_after, play
from .state import ShopifyLikeState

# flavour → (path prefix, call-limit header, how the token is read from a request)
FLAVOURS = {
    "haravan": ("/com", "X-Haravan-Api-Call-Limit",
                lambda: request.headers.get("Authorization", "").removeprefix("Bearer ")),
    "sapo": ("/admin", "X-Sapo-Api-Call-Limit", lambda: request.headers.get("X-Sapo-Access-Token", "")),
}
PHONE = re.compile(r"^0\d{9}$")


def create_shopify_like_app(state: ShopifyLikeState, flavour: str) -> Flask:
    prefix, header, token_of = FLAVOURS[flavour]
    api = Blueprint(f"{flavour}_api", __name__, url_prefix=prefix)
    app = Flask(f"sandbox.{flavour}")
    app.config["SHOPIFY_LIKE_STATE"] = state

    def current() -> ShopifyLikeState:
        return current_app.config["SHOPIFY_LIKE_STATE"]

    def error(status: int, errors, **headers):
        response = jsonify({"errors": errors})
        response.status_code = status
        response.headers.update(headers)
        return response

    @api.before_request
    def _limits_auth_faults():
        state = g.state = current()
        fits, used, wait = state.take_call()
        g.used = used
        if not fits:
            return error(429, "Exceeded call limit",
                         **{"Retry-After": str(math.ceil(wait)), header: f"{used}/{state.bucket}"})
        if token_of() != state.token:
            return error(401, "[API] Invalid API key or access token (unrecognized login or wrong password)")
        return play(state, error, state.take_fault() if request.method in state.fault_methods else None)

    @api.after_request
    def _headers_and_drop(response):
        response.headers.setdefault(header, f"{g.get('used', 0)}/{g.state.bucket}")
        return drop_after(response)

    def checked(body):
        customer = body.get("customer") if isinstance(body, dict) else None
        if not isinstance(customer, dict):
            return None, error(422, {"customer": ["is required"]})
        if customer.get("phone") and not PHONE.match(customer["phone"]):
            return None, error(422, {"phone": ["is invalid"]})
        return customer, None

    @api.get("/customers/search.json")
    def search():
        limit = request.args.get("limit", "50")
        if not limit.isdigit() or not 1 <= int(limit) <= 250:
            return error(400, {"limit": ["must be between 1 and 250"]})
        return jsonify({"customers": g.state.search(request.args.get("query", ""))[:int(limit)]})

    @api.get("/customers.json")
    def listing():
        limit, since_id = request.args.get("limit", "50"), request.args.get("since_id", "0")
        if not limit.isdigit() or not 1 <= int(limit) <= 250:
            return error(400, {"limit": ["must be between 1 and 250"]})
        if not since_id.isdigit():
            return error(400, {"since_id": ["must be an id"]})
        with g.state.lock:
            rows = sorted((c for c in g.state.customers.values() if c["id"] > int(since_id)), key=lambda c: c["id"])
        return jsonify({"customers": rows[:int(limit)]})

    @api.get("/customers/count.json")
    def count():
        return jsonify({"count": len(g.state.customers)})

    @api.post("/customers.json")
    def create():
        customer, problem = checked(request.get_json(silent=True))
        return problem or (jsonify({"customer": g.state.create(customer)}), 201)

    @api.put("/customers/<int:customer_id>.json")
    def update(customer_id: int):
        customer, problem = checked(request.get_json(silent=True))
        if problem:
            return problem
        with g.state.lock:
            stored = g.state.customers.get(customer_id)
            if stored is None:
                return error(404, "Not Found")
            stored.update({k: v for k, v in customer.items() if k != "id"})
        return jsonify({"customer": stored})

    @api.get("/orders.json")
    def orders():
        since = request.args.get("updated_at_min", "")
        rows = sorted((o for o in g.state.orders if o["updated_at"] >= since), key=lambda o: (o["updated_at"], o["id"]))
        return jsonify({"orders": rows[:int(request.args.get("limit", 50))]})

    app.register_blueprint(api)
    return app
