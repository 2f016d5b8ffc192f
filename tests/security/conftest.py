"""Security tests reuse the booking tests' fixtures: the seeded pages, the sandbox, a booking
made in Healthie, a provisioning plan, and a fresh cache per test (rate-limit counts live there)."""

from tests.scheduling.conftest import _fresh_cache, booked, pages, patient, plan  # noqa: F401
