"""What the booking flow's state and the reschedule steps' state share: every step is a GET URL,
so the state is written back as query parameters, hidden inputs and step URLs the same way."""

from datetime import date
from urllib.parse import urlencode

from django.urls import reverse

from scheduling.common import language
from scheduling.common.messages import NOTICES


class StepState:
    """Mixed into a frozen dataclass with `month`, `day` and `notice`; it names its own
    parameters (`_values`) and its URLs' path arguments (`_url_kwargs`)."""

    month: date | None
    day: date | None
    notice: str

    def _values(self) -> dict[str, str]:
        """Every parameter, in URL order (`_dates()` gives month and day)."""
        raise NotImplementedError

    def _dates(self) -> dict[str, str]:
        return {
            "month": self.month.strftime("%Y-%m") if self.month else "",
            "day": self.day.isoformat() if self.day else "",
        }

    def _url_kwargs(self) -> dict[str, str]:
        raise NotImplementedError

    @property
    def notice_text(self) -> str:
        return NOTICES.get(self.notice, "")

    def params(self, **overrides) -> dict[str, str]:
        """The non-empty query parameters, `overrides` applied (dates as YYYY-MM / YYYY-MM-DD)."""
        values = self._values()
        # A language chosen with ?lang= goes on with every step (common.language).
        values[language.PARAM] = language.chosen()
        for key, value in overrides.items():
            if isinstance(value, date):
                value = value.strftime("%Y-%m") if key == "month" else value.isoformat()
            values[key] = value or ""
        return {k: v for k, v in values.items() if v}

    def url(self, step: str, **overrides) -> str:
        query = urlencode(self.params(**overrides))
        path = reverse(f"scheduling:{step}", kwargs=self._url_kwargs())
        return f"{path}?{query}" if query else path

    def hidden_fields(self, **overrides) -> list[tuple[str, str]]:
        """The state as hidden inputs for GET forms (the day picker, the zone switcher)."""
        return list(self.params(**overrides).items())
