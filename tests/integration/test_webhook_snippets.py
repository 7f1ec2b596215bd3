"""The signature verifiers docs/connectors.md gives integrators (Python, Node.js, PHP) accept what the product
signs, with several signatures during a rotation, and refuse a wrong one. Node.js and PHP run where installed."""
from __future__ import annotations

import json
import pathlib
import re
import shutil
import subprocess
import time

import pytest

from crm_sync import standard_webhooks

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "connectors.md"
BODY = json.dumps({"type": "customer.erased", "timestamp": "2026-12-02T09:00:00Z", "data": {
    "ref": "cus_1", "merged_refs": [], "erased_at": "2026-12-02T09:00:00Z"}}, separators=(",", ":")).encode()
# A driver per language: reads the secret, the headers (JSON) and the body file from argv, prints the id or fails.
DRIVERS = {
    "javascript": ("node", "{code}\nconst fs = require('fs');\n"
                           "console.log(verify(process.argv[2], JSON.parse(process.argv[3]), fs.readFileSync(process.argv[4])));"),
    "php": ("php", "{code}\necho verify_webhook($argv[1], json_decode($argv[2], true), file_get_contents($argv[3]));"),
}


def _snippet(language: str) -> str:
    blocks = [block for block in re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
              if "webhook-signature" in block]
    assert len(blocks) == 1, f"one {language} verifier in {DOC.name}"
    return blocks[0]


def _headers(secret: str, *, rotating: bool = False) -> dict:
    headers = standard_webhooks.signed_headers(secret, "dlv_42", int(time.time()), BODY)
    if rotating:  # an old secret's signature first, as during a rotation
        old = standard_webhooks.sign(standard_webhooks.new_secret(), "dlv_42", int(time.time()), BODY)
        headers["webhook-signature"] = f"{old} {headers['webhook-signature']}"
    return headers


def test_the_python_verifier_accepts_ours_and_refuses_a_wrong_signature():
    namespace: dict = {}
    exec(_snippet("python"), namespace)  # noqa: S102 - the documentation's own code
    secret = standard_webhooks.new_secret()
    for rotating in (False, True):
        assert namespace["verify"](secret, _headers(secret, rotating=rotating), BODY) == "dlv_42"
    with pytest.raises(ValueError, match="no signature matches"):
        namespace["verify"](secret, _headers(standard_webhooks.new_secret()), BODY)


@pytest.mark.parametrize("language", sorted(DRIVERS))
def test_the_other_verifiers_accept_ours_and_refuse_a_wrong_signature(language, tmp_path):
    program, driver = DRIVERS[language]
    if shutil.which(program) is None:
        pytest.skip(f"{program} is not installed")
    script = tmp_path / f"verify.{language[:2]}"
    script.write_text(driver.format(code=_snippet(language)), encoding="utf-8")
    body = tmp_path / "body.json"
    body.write_bytes(BODY)
    secret = standard_webhooks.new_secret()

    def run(headers: dict) -> subprocess.CompletedProcess:
        return subprocess.run([program, str(script), secret, json.dumps(headers), str(body)], capture_output=True,
                              text=True, timeout=60)

    for rotating in (False, True):
        answer = run(_headers(secret, rotating=rotating))
        assert (answer.returncode, answer.stdout.strip()) == (0, "dlv_42"), answer.stderr
    refused = run(_headers(standard_webhooks.new_secret()))
    assert refused.returncode != 0 and "no signature matches" in refused.stderr
