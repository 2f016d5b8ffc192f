"""Healthie sandbox: a stateful emulator of Healthie's GraphQL API (see app.HealthieSandbox)."""

from .app import HealthieSandbox

__all__ = ["HealthieSandbox"]
