"""Journeys: automatic follow-ups started by what a customer does (docs/campaigns.md "Journeys")."""
