"""BetterPT sandbox: a stateful emulator of BetterPT's token endpoint and video-room GraphQL API."""

from .app import BetterPTSandbox

__all__ = ["BetterPTSandbox"]
