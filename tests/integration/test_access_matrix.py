"""Every staff and integrator route × every role: the policy is declared, expected, and enforced.

A route under /api/v1/admin or the integrator prefixes (events, customers, orders) without `require(...)` (or an
explicit `public`) fails here, as does a policy that differs from `EXPECTED`.
"""
import pytest

from miniapp_api.models.staff import ADMIN, AGENT, OWNER, ROLES, SCOPES, VIEWER
from tests.staff_helpers import auth, login, make_staff

PROTECTED_PREFIXES = ("/api/v1/admin", "/api/v1/integrations", "/api/v1/events", "/api/v1/customers",
                      "/api/v1/orders")
ALL = ROLES
STAFF = (OWNER, ADMIN, AGENT, VIEWER)

# endpoint → (roles allowed, scope allowing API keys). Extend this when adding a route.
EXPECTED = {
    "admin_auth.login": "public",
    "integration_events.list_events": ((OWNER, ADMIN), "events:read"),
    "integration_customers.upsert_by_crm_id": ((OWNER, ADMIN), "customers:write"),
    "integration_orders.push_orders": ((OWNER, ADMIN), "orders:write"),
    "admin_setup.setup_state": "public",
    "admin_setup.create_owner": "public",
    "admin_auth.logout": (ALL, None),
    "admin_auth.me": (ALL, None),
    "admin_auth.session_info": (ALL, None),
    "admin_staff.list_staff": ((OWNER,), None),
    "admin_staff.create_staff": ((OWNER,), None),
    "admin_staff.update_staff": ((OWNER,), None),
    "admin_staff.list_api_keys": ((OWNER,), None),
    "admin_staff.create_api_key": ((OWNER,), None),
    "admin_staff.revoke_api_key": ((OWNER,), None),
    "admin_staff.list_api_key_uses": ((OWNER,), None),
    "admin_staff.list_audit": ((OWNER, ADMIN), None),
    "admin_inbox.list_conversations": (STAFF, "conversations:read"),
    "admin_inbox.get_conversation": (STAFF, "conversations:read"),
    "admin_inbox.search_inbox": (STAFF, "conversations:read"),
    "admin_changes.list_changes": (STAFF, "conversations:read"),
    "admin_inbox.list_assignees": ((OWNER, ADMIN), None),
    "admin_oa.connect_url": ((OWNER, ADMIN), None),
    "admin_auto_replies.list_rules": ((OWNER, ADMIN, VIEWER), None),
    "admin_auto_replies.save": ((OWNER, ADMIN), None),
    "admin_auto_replies.delete": ((OWNER, ADMIN), None),
    "admin_auto_replies.try_message": ((OWNER, ADMIN, VIEWER), None),
    "admin_shop_settings.get_shop_settings": ((OWNER, ADMIN, VIEWER), None),
    "admin_shop_settings.patch_shop_settings": ((OWNER, ADMIN), None),
    "admin_campaigns.list_campaigns": ((OWNER, ADMIN, VIEWER), None),
    "admin_campaigns.get_campaign": ((OWNER, ADMIN, VIEWER), None),
    "admin_campaigns.get_plan": ((OWNER, ADMIN, VIEWER), None),
    "admin_campaigns.preview_campaign": ((OWNER, ADMIN, VIEWER), None),
    "admin_campaigns.list_recipients": ((OWNER, ADMIN, VIEWER), None),
    "admin_campaigns.campaign_results": ((OWNER, ADMIN, VIEWER), None),
    "admin_campaigns.create_campaign": ((OWNER, ADMIN), None),
    "admin_campaigns.update_campaign": ((OWNER, ADMIN), None),
    "admin_campaigns.plan_campaign": ((OWNER, ADMIN), None),
    "admin_campaigns.start_campaign": ((OWNER, ADMIN), None),
    "admin_campaigns.pause_campaign": ((OWNER, ADMIN), None),
    "admin_campaigns.resume_campaign": ((OWNER, ADMIN), None),
    "admin_campaigns.cancel_campaign": ((OWNER, ADMIN), None),
    "admin_campaigns.schedule_campaign": ((OWNER, ADMIN), None),
    "admin_campaigns.test_send_campaign": ((OWNER, ADMIN), None),
    "admin_journeys.list_journeys": ((OWNER, ADMIN, VIEWER), None),
    "admin_journeys.get_journey": ((OWNER, ADMIN, VIEWER), None),
    "admin_journeys.list_enrollments": ((OWNER, ADMIN, VIEWER), None),
    "admin_journeys.create_journey": ((OWNER, ADMIN), None),
    "admin_journeys.update_journey": ((OWNER, ADMIN), None),
    "admin_journeys.activate_journey": ((OWNER, ADMIN), None),
    "admin_journeys.pause_journey": ((OWNER, ADMIN), None),
    "admin_journeys.archive_journey": ((OWNER, ADMIN), None),
    "admin_journeys.customer_journeys": (STAFF, "customers:read"),
    "admin_forms.list_forms": ((OWNER, ADMIN, VIEWER), None),
    "admin_forms.export_definition": ((OWNER, ADMIN, VIEWER), None),
    "admin_forms.check_definition": ((OWNER, ADMIN), None),
    "admin_forms.import_definition": ((OWNER, ADMIN), None),
    "admin_sync.list_connectors": ((OWNER, ADMIN, VIEWER), None),
    "admin_sync.create_connector": ((OWNER,), None),
    "admin_sync.update_connector": ((OWNER,), None),
    "admin_sync.enable_connector": ((OWNER,), None),
    "admin_sync.disable_connector": ((OWNER,), None),
    "admin_sync.test_connector": ((OWNER,), None),
    "admin_sync.rotate_connector_secret": ((OWNER,), None),
    "admin_sync.recover_connector": ((OWNER, ADMIN), None),
    "admin_sync.get_initial_sync": ((OWNER, ADMIN, VIEWER), None),
    "admin_sync.start_initial_sync": ((OWNER,), None),
    "admin_sync.cancel_initial_sync": ((OWNER, ADMIN), None),
    "admin_sync.resume_initial_sync": ((OWNER, ADMIN), None),
    "admin_sync.list_dead_letters": ((OWNER, ADMIN, VIEWER), None),
    "admin_sync.replay_dead_letters": ((OWNER, ADMIN), None),
    "admin_sync.discard_dead_letters": ((OWNER, ADMIN), None),
    "admin_saved_replies.list_saved_replies": (STAFF, "conversations:read"),
    "admin_saved_replies.create_saved_reply": ((OWNER, ADMIN), None),
    "admin_saved_replies.update_saved_reply": ((OWNER, ADMIN), None),
    "admin_saved_replies.delete_saved_reply": ((OWNER, ADMIN), None),
    "admin_inbox.claim_conversation": ((OWNER, ADMIN, AGENT), None),
    "admin_inbox.reply": ((OWNER, ADMIN, AGENT), None),
    "admin_inbox.send_info_request": ((OWNER, ADMIN, AGENT), None),
    "admin_inbox.reply_media": ((OWNER, ADMIN, AGENT), None),
    "admin_inbox.add_note": ((OWNER, ADMIN, AGENT), None),
    "admin_inbox.mark_read": ((OWNER, ADMIN, AGENT, VIEWER), None),
    "admin_inbox.close_conversation": ((OWNER, ADMIN, AGENT), None),
    "admin_inbox.reopen_conversation": ((OWNER, ADMIN), None),
    "admin_inbox.assign_conversation": ((OWNER, ADMIN), None),
    "admin_inbox.unassign_conversation": ((OWNER, ADMIN), None),
    "admin_metrics.get_metrics": (ALL, None),
    "admin_customers.list_customers": (STAFF, "customers:read"),
    "admin_customers.get_customer": (STAFF, "customers:read"),
    "admin_customers.update": ((OWNER, ADMIN, AGENT), "customers:write"),
    "admin_customers.merge": ((OWNER, ADMIN), None),
    "admin_customers.get_pipeline": (STAFF, "customers:read"),
    "admin_customers.get_consents": (STAFF, "customers:read"),
    "admin_customers.set_pipeline": ((OWNER, ADMIN, AGENT), "customers:write"),
    "admin_customers.export": ((OWNER, ADMIN), None),
    "admin_customers.erase": ((OWNER,), None),
    "admin_segments.list_tags": (STAFF, "customers:read"),
    "admin_segments.create_tag": ((OWNER, ADMIN), "customers:write"),
    "admin_segments.add_tag": ((OWNER, ADMIN, AGENT), "customers:write"),
    "admin_segments.remove_tag": ((OWNER, ADMIN, AGENT), "customers:write"),
    "admin_segments.list_segments": ((OWNER, ADMIN, VIEWER), None),
    "admin_segments.create_segment": ((OWNER, ADMIN), None),
    "admin_segments.show_segment": ((OWNER, ADMIN, VIEWER), None),
    "admin_segments.delete_segment": ((OWNER, ADMIN), None),
    "admin_conflicts.list_profile_conflicts": ((OWNER, ADMIN, VIEWER), None),
    "admin_conflicts.resolve": ((OWNER, ADMIN), None),
    "admin_orders.list_unlinked_orders": ((OWNER, ADMIN, VIEWER), None),
    "admin_orders.link": ((OWNER, ADMIN), None),
    "admin_zns.list_zns_templates": (STAFF, "conversations:read"),
    "admin_zns.sync_zns_templates": ((OWNER, ADMIN), None),
    "admin_zns.zns_quota": (STAFF, "conversations:read"),
    "admin_zns.send_zns": ((OWNER, ADMIN, AGENT), None),
    "admin_zns.list_zns": (STAFF, "conversations:read"),
    "admin_oa.get_connection": ((OWNER, ADMIN), None),
    "admin_oa.resume_connection": ((OWNER, ADMIN), None),
    "admin_oa.get_window": (ALL, "conversations:read"),
}


def protected_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PROTECTED_PREFIXES):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def test_every_protected_route_declares_and_matches_its_policy(app):
    seen = {}
    for rule, _method in protected_routes(app):
        view = app.view_functions[rule.endpoint]
        policy = getattr(view, "__access__", None)
        assert policy is not None, f"{rule.rule} ({rule.endpoint}) has no access policy"
        seen[rule.endpoint] = "public" if policy.get("public") else (policy["roles"], policy["scope"])
    assert seen == EXPECTED


def _concrete(rule) -> str:
    path = rule.rule
    for argument in rule.arguments:
        converter = rule._converters[argument].__class__.__name__
        path = path.replace(f"<int:{argument}>", "1").replace(f"<{argument}>", "x")
        path = path.replace(f"<{converter}:{argument}>", "x")
    return path


def test_roles_and_keys_are_enforced_on_every_route(app, client):
    headers = {role: auth(login(client, f"{role}@shop.vn")) for role in STAFF
               if make_staff(app, role) is not None}
    owner = headers[OWNER]
    # key 1 is what `DELETE /api-keys/1` revokes during the walk; the caller's key is another
    client.post("/api/v1/admin/api-keys", json={"name": "decoy", "scopes": ["customers:read"]}, headers=owner)
    key = client.post("/api/v1/admin/api-keys", json={"name": "all", "scopes": list(SCOPES)}, headers=owner).get_json()
    every_scope = {"Authorization": f"Bearer {key['secret']}"}
    for rule, method in protected_routes(app):
        policy = EXPECTED[rule.endpoint]
        if policy == "public":
            continue
        roles, scope = policy
        path = _concrete(rule)
        callers = {"anonymous": {}, "api_key": every_scope, **headers}
        cookieless = app.test_client(use_cookies=False)  # only the headers speak for the caller
        for caller, caller_headers in callers.items():
            if rule.endpoint == "admin_auth.logout" and caller != "anonymous":
                continue  # would end the session the rest of the matrix uses
            status = cookieless.open(path, method=method, json={}, headers=caller_headers).status_code
            if caller == "anonymous":
                expected_denial = 401
            elif caller == "api_key":
                expected_denial = None if scope else 403
            else:
                expected_denial = None if caller in roles else 403
            if expected_denial:
                assert status == expected_denial, f"{caller} {method} {path}: {status}"
            else:
                assert status not in (401, 403), f"{caller} {method} {path}: {status}"


@pytest.mark.parametrize("role", STAFF)
def test_logout_is_open_to_every_role(app, client, role):
    headers = auth(login(client, f"{role}@shop.vn")) if make_staff(app, role) else None
    assert client.post("/api/v1/admin/auth/logout", headers=headers).status_code == 204
