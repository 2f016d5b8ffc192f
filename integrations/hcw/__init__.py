"""HCW@Home teleconsultation invites: REST client (client.py) and sandbox (the /api/v1 backend)."""
