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
