"""Flask's cookie session, switched off: nothing in the application uses `flask.session`.

Mini App callers carry our session token (`Authorization: Bearer`), staff their
own token or cookie, Zalo a signature. Flask would still build an itsdangerous
serializer for every request, to find no cookie: a measurable share of a
webhook's time (docs/performance.md).
"""
from __future__ import annotations

from flask.sessions import SessionInterface


class NoSessionInterface(SessionInterface):
    """Every request gets Flask's null session; nothing is read from or written to a cookie."""

    def open_session(self, app, request):
        return None  # Flask then hands out its null session, which refuses writes

    def save_session(self, app, session, response) -> None:
        return None
