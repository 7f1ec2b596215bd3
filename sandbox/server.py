"""Run a WSGI app on a loopback port in a background thread (tests) or the foreground (CLI)."""
from __future__ import annotations

import threading

from werkzeug.serving import WSGIRequestHandler, make_server


class UnderscoreHeadersHandler(WSGIRequestHandler):
    """Keep headers whose names contain underscores.

    Werkzeug drops them (they alias hyphenated names in WSGI), but Zalo's APIs
    are called with `access_token`, `secret_key` and `appsecret_proof`
    headers, so an emulator that dropped them would not be Zalo.
    """

    def make_environ(self):
        environ = super().make_environ()
        environ["sandbox.raw_headers"] = list(self.headers.items())  # names exactly as sent
        for key, value in self.headers.items():
            if "_" in key:
                environ["HTTP_" + key.upper()] = value
        return environ


class BackgroundServer:
    """A threaded HTTP server on 127.0.0.1; port 0 picks a free one."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0):
        self._server = make_server(host, port, app, threaded=True, request_handler=UnderscoreHeadersHandler)
        self.host = host
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"sandbox:{self.port}", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "BackgroundServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
