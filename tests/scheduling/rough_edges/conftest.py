"""The rough-edge tests reuse the booking tests' fixtures (seeded pages, the patient, the sandbox,
a fresh cache per test)."""

from tests.scheduling.conftest import _fresh_cache, booked, pages, patient, plan  # noqa: F401
