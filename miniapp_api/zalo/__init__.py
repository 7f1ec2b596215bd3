"""Clients for the Zalo platform: Graph (Mini App users), OA API, OAuth, webhook signatures."""
