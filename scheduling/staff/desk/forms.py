"""The front desk's forms: the calendar's query, and the appointment actions.

Each action form carries an idempotency key made when the panel was drawn: a double submit (or
a retry after a lost answer) is the same change, made once (manage.services)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django import forms

from scheduling.common import timefmt
from scheduling.staff.forms import KEY_SHAPE

VIEWS = ("day", "week")


class CalendarQuery(forms.Form):
    """`/staff/?date=YYYY-MM-DD&view=day|week&provider=<id>`; every field may be left out."""

    date = forms.CharField(required=False)
    view = forms.CharField(required=False)
    provider = forms.CharField(required=False)

    def __init__(self, data, *, provider_ids: set[str], today: date):
        super().__init__(data)
        self.provider_ids, self.today = provider_ids, today

    def clean_date(self) -> date:
        value = self.cleaned_data["date"]
        if not value:
            return self.today
        day = timefmt.parse_day(value)
        if day is None:
            raise forms.ValidationError("Give the date as YYYY-MM-DD, e.g. 2026-12-02.")
        return day

    def clean_view(self) -> str:
        value = self.cleaned_data["view"] or "day"
        if value not in VIEWS:
            raise forms.ValidationError('The view is "day" or "week".')
        return value

    def clean_provider(self) -> str:
        value = self.cleaned_data["provider"]
        if value and value not in self.provider_ids:
            raise forms.ValidationError("No provider of this clinic has that id.")
        return value


class ActionForm(forms.Form):
    key = forms.CharField()

    def clean_key(self) -> str:
        value = self.cleaned_data["key"]
        if not KEY_SHAPE.fullmatch(value):
            raise forms.ValidationError("This form is out of date: open the appointment again.")
        return value


class RescheduleForm(ActionForm):
    """A new time: one of the open times (`slot`), or with `override` any date and time in
    the clinic's zone (Healthie's availability check is then skipped: staff only)."""

    slot = forms.CharField(required=False)
    date = forms.DateField(required=False, label="Date")
    time = forms.TimeField(required=False, label="Time")
    override = forms.BooleanField(
        required=False, label="Override availability (book outside the open hours)"
    )

    def __init__(self, data, *, tz: str):
        super().__init__(data)
        self.tz = tz

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("override"):
            day, clock = cleaned.get("date"), cleaned.get("time")
            if day is None or clock is None:
                raise forms.ValidationError("Give the new date and time.")
            cleaned["start"] = _wall_clock(day, clock, self.tz)
        else:
            start = timefmt.parse_instant(cleaned.get("slot") or "")
            if start is None:
                raise forms.ValidationError("Pick one of the open times.")
            cleaned["start"] = start
        return cleaned


def _wall_clock(day: date, clock: time, tz: str) -> datetime:
    """The instant the clinic's clock shows `clock` on `day` (the earlier one when the clock
    goes back; a time skipped when it goes forward lands an hour later, as wall clocks do)."""
    local = datetime.combine(day, clock.replace(second=0, microsecond=0), ZoneInfo(tz))
    return datetime.fromtimestamp(local.timestamp(), ZoneInfo(tz))
