"""Qualiphy exam invites: REST client (client.py), webhook parsing (webhooks.py), sandbox."""
