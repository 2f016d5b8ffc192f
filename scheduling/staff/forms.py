"""What the console's forms share: the idempotency key each action form carries, made when the
form is drawn, so a double submit (or a retry after a lost answer) is one change."""

import re
import uuid

KEY_SHAPE = re.compile(r"[0-9a-f]{32}")


def new_key() -> str:
    return uuid.uuid4().hex
