"""Where the vendors' reference contracts live: `../shared/vendor-contracts/` beside the checkout.

Contract tests for every vendor look their reference files up through `reference_path`.
"""

from pathlib import Path

from django.conf import settings


def reference_path(vendor: str, filename: str) -> Path:
    """Path of a vendor's reference file, e.g. ("healthie", "schema-2026-01-01.graphql")."""
    return Path(settings.BASE_DIR).parent / "shared" / "vendor-contracts" / vendor / filename
