"""Healthie to mirror: signed webhooks, the events they announce, and reconciliation."""
