"""Semble sandbox: a stateful emulator of Semble's GraphQL API and questionnaire links."""

from .app import SembleSandbox

__all__ = ["SembleSandbox"]
