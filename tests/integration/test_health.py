import re

def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_checks_the_database(client):
    assert client.get("/readyz").get_json() == {"status": "ready",
                                                "oa_channel": {"status": "active", "needs_attention": False}}


def test_unknown_path_is_problem_json(client):
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404


def test_openapi_and_docs_are_served(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/miniapp/session" in spec["paths"]
    with client.get("/docs") as page:
        assert page.status_code == 200
        assets = re.findall(r'(?:src|href)="(/docs-assets/[^"]+)"', page.get_data(as_text=True))
    assert len(assets) == 3  # Swagger UI's script, its preset and its stylesheet, all vendored
    for path in assets:
        with client.get(path) as response:
            assert response.status_code == 200
