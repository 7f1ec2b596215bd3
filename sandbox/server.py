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


class _InFlight:
    """Counts the requests the app is handling, so stopping can wait for them: a request still running when the
    test disposes the app's database engine would leave a connection to be garbage-collected (a ResourceWarning
    that fails some later test). The app has finished with its database when it returns (Flask pops its context
    first)."""

    def __init__(self, app):
        self.app, self.count, self.idle = app, 0, threading.Condition()

    def __call__(self, environ, start_response):
        with self.idle:
            self.count += 1
        try:
            return self.app(environ, start_response)
        finally:
            with self.idle:
                self.count -= 1
                self.idle.notify_all()

    def wait_idle(self, seconds: float) -> None:
        with self.idle:
            self.idle.wait_for(lambda: self.count == 0, timeout=seconds)


class BackgroundServer:
    """A threaded HTTP server on 127.0.0.1; port 0 picks a free one."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0):
        self.app = app
        self._in_flight = _InFlight(app)
        self._server = make_server(host, port, self._in_flight, threaded=True,
                                   request_handler=UnderscoreHeadersHandler)
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
        self._in_flight.wait_idle(10)  # a hung emulator request (a fault) is released by its test, or given up on
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
