"""Campaigns: one message to a segment, planned, sent at a pace, measured (docs/campaigns.md)."""
