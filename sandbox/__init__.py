"""Local emulators of the remotes the product talks to (Zalo, CRMs).

Each is a real HTTP server on loopback speaking the documented request and
response shapes (see ../shared/reference/zalo-platform.md and docs/), so dev,
demos and tests exercise the product's real HTTP clients. Never used in
production.
"""
