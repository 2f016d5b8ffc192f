"""HCW@Home sandbox: a stateful emulator of the backend's /api/v1 (see app.HCWSandbox)."""

from .app import HCWSandbox

__all__ = ["HCWSandbox"]
