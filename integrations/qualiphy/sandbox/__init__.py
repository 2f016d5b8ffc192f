"""Qualiphy sandbox: a stateful emulator of Qualiphy's REST API (see app.QualiphySandbox)."""

from .app import QualiphySandbox

__all__ = ["QualiphySandbox"]
