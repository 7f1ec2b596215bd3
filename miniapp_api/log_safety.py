"""Every log record is one line that cannot be forged: untrusted text is escaped once, for all loggers.

Values from outside (a webhook's `event_name`, a header, an exception message
quoting input) reach log messages through `%s` arguments. A newline in one of
them would start what looks like a new record (`ERROR:miniapp_api:FORGED admin
login ok`). Instead of trusting every call site, a log record factory escapes
CR, LF and every other control character in the formatted message, the
traceback and the stack of each record as it is created, whichever logger,
handler or formatter (ours, gunicorn's, pytest's) writes it later.
"""
from __future__ import annotations

import logging
import re
import traceback

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape(text: str) -> str:
    """`a\\nb` → `a\\\\nb`: control characters (and Unicode line separators) as visible escapes."""
    return _CONTROL.sub(lambda m: _NAMED.get(m.group(), f"\\u{ord(m.group()):04x}"), text)


def _made_safe(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: leave it to logging's own error report
        return record
    record.msg, record.args = escape(message), ()
    if record.exc_info and not record.exc_text:
        record.exc_text = escape("".join(traceback.format_exception(*record.exc_info)).rstrip())
    if record.stack_info:
        record.stack_info = escape(record.stack_info)
    return record


def install() -> None:
    """Wrap the process's log record factory once (idempotent, keeps any factory installed before)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "escapes_control_characters", False):
        return

    def safe_factory(*args, **kwargs) -> logging.LogRecord:
        return _made_safe(factory(*args, **kwargs))

    safe_factory.escapes_control_characters = True
    logging.setLogRecordFactory(safe_factory)
