"""Semble questionnaire links: client (client.py), operations/*.graphql, sandbox/."""
