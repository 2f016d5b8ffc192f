"""The booking flow's state, read from query parameters: every step is a plain GET URL.

Parameters: type, contact, provider (an id or "any"), month (YYYY-MM), day (YYYY-MM-DD), tz (IANA)
and the prefill fields first_name, last_name, email, phone. Unknown or invalid values are dropped,
so a shared or hand-edited link lands on the first step that still needs an answer. Prefill is read
only on entry (the views put it aside, booking.prefill): the URLs written here carry its key, `pf`,
never the values.
"""

from dataclasses import dataclass, field, replace
from datetime import date

from integrations.healthie.types import AppointmentType
from scheduling.booking import prefill
from scheduling.common import conf, timefmt
from scheduling.common.messages import NOTICES
from scheduling.common.stepstate import StepState
from scheduling.models import BookingPage

ANY_PROVIDER = "any"
PREFILL_FIELDS = ("first_name", "last_name", "email", "phone")


@dataclass(frozen=True)
class FlowState(StepState):
    page: BookingPage
    type_id: str = ""
    contact: str = ""
    provider: str = ""  # a provider id, ANY_PROVIDER, or "" (not chosen yet)
    month: date | None = None
    day: date | None = None
    tz: str = ""
    tz_detected: bool = False  # the tz came from the request (browser or patient), not a default
    prefill: dict[str, str] = field(default_factory=dict)  # on entry only; never written back
    prefill_key: str = ""  # where the views put the prefill aside (booking.prefill)
    notice: str = ""
    hold: str = ""  # the patient's current hold token, kept while they browse times

    # -- reading -------------------------------------------------------------------------------

    @classmethod
    def from_query(cls, page: BookingPage, query, types: list[AppointmentType]) -> "FlowState":
        type_id = query.get("type", "")
        chosen = next((t for t in types if t.id == type_id), None)
        contact = query.get("contact", "")
        if chosen is None:
            type_id, contact = "", ""
        elif contact not in chosen.contact_types:
            contact = chosen.contact_types[0] if len(chosen.contact_types) == 1 else ""
        provider = query.get("provider", "")
        if not page.org_level:
            provider = page.provider_id
        elif provider not in (*page.provider_set, ANY_PROVIDER) or (
            provider == ANY_PROVIDER and not page.offer_first_available
        ):
            provider = ""
        if page.org_level and not provider and not page.offers_provider_choice:
            provider = page.provider_set[0]
        tz = query.get("tz", "")
        tz_detected = timefmt.is_valid_timezone(tz)
        notice = query.get("notice", "")
        return cls(
            page=page,
            type_id=type_id,
            contact=contact,
            provider=provider,
            month=timefmt.parse_month(query.get("month")),
            day=timefmt.parse_day(query.get("day")),
            tz=tz if tz_detected else "",
            tz_detected=tz_detected,
            prefill={k: query.get(k, "")[:254] for k in PREFILL_FIELDS if query.get(k)},
            prefill_key=prefill.valid_key(query.get(prefill.PARAM, "")),
            notice=notice if notice in NOTICES else "",
            hold=query.get("hold", "")[:64],
        )

    def with_default_tz(self, fallback: str | None) -> "FlowState":
        if self.tz:
            return self
        zone = fallback if timefmt.is_valid_timezone(fallback) else conf.default_timezone()
        return replace(self, tz=zone)

    @property
    def provider_ids(self) -> tuple[str, ...]:
        if self.provider and self.provider != ANY_PROVIDER:
            return (self.provider,)
        return self.page.provider_set

    # -- writing (common.stepstate) -------------------------------------------------------------

    def _values(self) -> dict[str, str]:
        return {
            "type": self.type_id,
            "contact": self.contact,
            "provider": self.provider if self.page.org_level else "",
            **self._dates(),
            "tz": self.tz if self.tz_detected else "",
            "hold": self.hold,
            prefill.PARAM: self.prefill_key,
        }

    def _url_kwargs(self) -> dict[str, str]:
        return {"slug": self.page.slug}
