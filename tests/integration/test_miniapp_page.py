"""The Mini App page's static files and the config it reads before choosing an adapter."""


def test_config_hides_the_emulator_outside_sandbox(client):
    body = client.get("/miniapp/config.json").get_json()
    assert body == {"sandbox": False, "zalo_sandbox_url": None, "default_form": "lien-he"}


def test_config_publishes_the_emulator_in_sandbox(sandbox_app, zalo):
    body = sandbox_app.test_client().get("/miniapp/config.json").get_json()
    assert body == {"sandbox": True, "zalo_sandbox_url": zalo.url, "default_form": "lien-he"}


def test_page_is_served(client):
    response = client.get("/miniapp/")
    assert response.status_code == 200
    assert b'type="module"' in response.data
    response.close()


def test_cors_only_for_configured_origins(database_url, zalo):
    from miniapp_api import create_app
    from tests.conftest import _base_config

    app = create_app({**_base_config(database_url, zalo.url), "MINIAPP_ALLOWED_ORIGINS": ("https://h5.zdn.vn",)})
    client = app.test_client()
    preflight = client.options("/api/v1/miniapp/session", headers={
        "Origin": "https://h5.zdn.vn", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type, Idempotency-Key"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://h5.zdn.vn"
    assert "idempotency-key" in preflight.headers["Access-Control-Allow-Headers"].lower()
    other = client.options("/api/v1/miniapp/session", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in other.headers
    with app.app_context():
        from miniapp_api.extensions import db
        db.engine.dispose()
