"""The Mini App capture: form definitions, validation, sessions, submissions, idempotency."""
