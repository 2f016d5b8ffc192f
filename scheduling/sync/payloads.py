"""Reading a verified Healthie webhook body: `{resource_id, resource_id_type, event_type,
changed_fields}`. Thin on purpose: the resource is read back from Healthie before acting.
`changed_fields` comes as a list or, sometimes, a string (vendor-facts)."""

import json
from dataclasses import dataclass

APPOINTMENT_EVENTS = frozenset(
    {"appointment.created", "appointment.updated", "appointment.deleted"}
)


class Malformed(Exception):
    """A signed body we cannot read."""


@dataclass(frozen=True)
class Event:
    event_type: str
    resource_id: str
    resource_id_type: str
    changed_fields: tuple[str, ...]

    @property
    def is_appointment(self) -> bool:
        return self.event_type in APPOINTMENT_EVENTS


def parse(body: bytes) -> Event:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # nested too deep: no event
        raise Malformed("not JSON") from exc
    if not isinstance(data, dict):
        raise Malformed("not an object")
    event_type, resource_id = data.get("event_type"), data.get("resource_id")
    if not isinstance(event_type, str) or not event_type.strip():
        raise Malformed("no event_type")
    if isinstance(resource_id, int) and not isinstance(resource_id, bool):
        resource_id = str(resource_id)
    if not isinstance(resource_id, str) or not resource_id.strip() or len(resource_id) > 32:
        raise Malformed("no resource_id")
    changed = data.get("changed_fields") or ()
    if isinstance(changed, str):
        changed = [part.strip() for part in changed.split(",")]
    if not isinstance(changed, list | tuple):
        raise Malformed("unreadable changed_fields")
    return Event(
        event_type=event_type.strip()[:64],
        resource_id=resource_id.strip(),
        resource_id_type=str(data.get("resource_id_type") or "")[:64],
        changed_fields=tuple(str(c) for c in changed if c),
    )
