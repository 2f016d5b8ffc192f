"""The clinic admin's forms. Choices read from Healthie (providers, appointment types) are
passed in by the view, so a form never calls a vendor itself."""

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone as django_timezone

from scheduling.common import origin as origin_rules
from scheduling.models import AppointmentTypePlan, BookingPage
from scheduling.staff.clinic.selectors import WEEKDAY_NAMES
from scheduling.staff.clinic.services import BlockInput, HoursInput
from scheduling.staff.forms import KEY_SHAPE, new_key

# Monday first, as clinics read a week; values are Healthie's (0 = Sunday).
WEEKDAY_CHOICES = [(str(d), WEEKDAY_NAMES[d]) for d in (1, 2, 3, 4, 5, 6, 0)]
TIME_FORMATS = ["%H:%M", "%I:%M %p", "%I:%M%p", "%H.%M"]


def _time_field(label: str) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        input_formats=TIME_FORMATS,
        widget=forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M"),
    )


def _date_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class HoursForm(forms.Form):
    """Weekly hours or a one-off opening; times in the provider's zone (shown beside them)."""

    KIND_CHOICES = [("weekly", "Every week"), ("one_off", "One day only")]

    kind = forms.ChoiceField(label="Repeats", choices=KIND_CHOICES, widget=forms.RadioSelect)
    weekday = forms.ChoiceField(label="Day of the week (weekly)", choices=WEEKDAY_CHOICES)
    day = _date_field(
        "Date",
        help_text="One day only: that day. Every week: the hours apply from this date on.",
    )
    opens = _time_field("Opens")
    closes = _time_field("Closes")
    last_day = _date_field(
        "Last day (weekly, optional)", required=False, help_text="Leave empty: no end."
    )
    appointment_type = forms.ChoiceField(
        label="Appointment type",
        required=False,
        help_text="Leave on “Any” to open these hours for every type.",
    )

    def __init__(self, *args, timezone: str, type_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone = timezone
        self.fields["appointment_type"].choices = [("", "Any appointment type"), *type_choices]

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens"), data.get("closes")
        if opens and closes and closes <= opens:
            self.add_error("closes", "Closing time must be after the opening time.")
        if opens and opens.minute % 5 or closes and closes.minute % 5:
            self.add_error("opens", "Use times on a five-minute step, e.g. 9:00 or 9:05.")
        day, last_day = data.get("day"), data.get("last_day")
        if data.get("kind") == "weekly" and day and data.get("weekday"):
            # The hours start on the first chosen weekday on or after the given date.
            wanted = int(data["weekday"])
            data["first_day"] = day + timedelta(days=(wanted - (day.weekday() + 1) % 7) % 7)
            if last_day and last_day < data["first_day"]:
                self.add_error(
                    "last_day",
                    "The last day must be on or after the first "
                    f"{WEEKDAY_NAMES[wanted]} ({data['first_day']:%b %-d, %Y}).",
                )
        return data

    def hours(self) -> HoursInput:
        data = self.cleaned_data
        weekly = data["kind"] == "weekly"
        first_day = data["first_day"] if weekly else data["day"]
        return HoursInput(
            weekly=weekly,
            first_day=first_day,
            opens=data["opens"],
            closes=data["closes"],
            timezone=self.timezone,
            last_day=data.get("last_day") if weekly else None,
            appointment_type_id=data.get("appointment_type") or None,
        )

    @classmethod
    def initial_for(cls, hours) -> dict:
        """The form's values for existing `selectors.Hours`."""
        return {
            "kind": "weekly" if hours.weekly else "one_off",
            "weekday": str(hours.weekday),
            "day": hours.first_day,
            "opens": hours.opens,
            "closes": hours.closes,
            "last_day": hours.last_day if hours.weekly else None,
            "appointment_type": hours.appointment_type_id or "",
        }


OUT_OF_DATE = "This form is out of date: reload the page and try again."


class KeyedForm(forms.Form):
    """A form sent once: its key, made when it was drawn, names the change."""

    key = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if not KEY_SHAPE.fullmatch(data.get("key") or ""):
            self.add_error(None, OUT_OF_DATE)
        return data


def _instant(day: date, clock: time, zone: ZoneInfo) -> datetime | None:
    """The instant the provider's clock shows `clock` on `day`; None for a time the clock skips
    (spring forward). The earlier of two when the clock goes back."""
    wall = datetime.combine(day, clock.replace(second=0, microsecond=0), zone)
    if wall.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall.replace(tzinfo=None):
        return None
    return wall


class BlockForm(KeyedForm):
    """Blocked time from a date and time to a time that day (or on a later last day), as
    wall-clock times in the provider's zone."""

    day = _date_field("Date")
    starts = _time_field("From")
    ends = _time_field("To")
    last_day = _date_field(
        "Until (optional)",
        required=False,
        help_text="Over several days (e.g. a holiday): the day it ends, at the “To” time.",
    )
    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=200,
        help_text="Shown to staff only, e.g. “Training” or “Holiday”.",
    )

    def __init__(self, *args, timezone: str, current_start: datetime | None = None, **kwargs):
        """`current_start`: when changing a block under way, its start may stay in the past."""
        super().__init__(*args, **kwargs)
        self.timezone, self.current_start = timezone, current_start
        self.fields["starts"].widget.attrs["step"] = 60
        self.fields["ends"].widget.attrs["step"] = 60

    def clean(self):
        data = super().clean()
        day, starts, ends = data.get("day"), data.get("starts"), data.get("ends")
        if day is None or starts is None or ends is None or "last_day" in self.errors:
            return data
        last_day = data.get("last_day") or day
        if last_day < day:
            self.add_error("last_day", "The last day must be on or after the date.")
            return data
        zone = ZoneInfo(self.timezone)
        start, end = _instant(day, starts, zone), _instant(last_day, ends, zone)
        for name, value in (("starts", start), ("ends", end)):
            if value is None:
                self.add_error(name, "The clocks skip this time on that day (daylight saving).")
        if start is None or end is None:
            return data
        if end <= start:
            self.add_error("ends", "The end must be after the start.")
        elif start < django_timezone.now() and start != self.current_start:
            self.add_error("starts", "The blocked time must not start in the past.")
        data["start"], data["end"] = start, end
        return data

    def block(self) -> BlockInput:
        data = self.cleaned_data
        return BlockInput(
            start=data["start"],
            end=data["end"],
            timezone=self.timezone,
            reason=(data.get("reason") or "").strip(),
        )

    @classmethod
    def initial_for(cls, block) -> dict:
        """The form's values for an existing `selectors.Block`, with a fresh key."""
        return {
            "day": block.day,
            "starts": block.starts,
            "ends": block.ends,
            "last_day": block.end.date() if block.ends_another_day else None,
            "reason": block.reason,
            "key": new_key(),
        }


class BlockDeleteForm(KeyedForm):
    """Deleting blocked time: only the form's key."""


class ReportForm(forms.Form):
    start = _date_field("From")
    end = _date_field("To")
    provider = forms.ChoiceField(label="Provider", required=False)

    MAX_DAYS = 92  # a quarter: the report reads every visit's vendors, so the range is bounded

    def __init__(self, *args, provider_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", "All providers"), *provider_choices]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The end date must be on or after the start date.")
            elif (end - start).days >= self.MAX_DAYS:
                self.add_error("end", f"Choose at most {self.MAX_DAYS} days.")
        return data


def validate_origin(value: str) -> str:
    """`https://clinic.example` or `http://localhost:8080`: a scheme and host, nothing else.
    The same rule the pages' frame-ancestors apply (common.origin), so nothing saved here is
    silently dropped there."""
    text = value.strip()
    origin = origin_rules.normalise_origin(text)
    if origin is None:
        raise ValidationError(
            f"“{text}” is not an origin: use only the scheme and host, like "
            "https://clinic.example (no path, no wildcard)."
        )
    return origin


class OriginsField(forms.CharField):
    """One origin per line, stored as a JSON list."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        if isinstance(value, str) and value.startswith("["):
            try:
                return "\n".join(json.loads(value))
            except (ValueError, TypeError):
                return value
        return value

    def to_python(self, value) -> list[str]:
        text = super().to_python(value) or ""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        errors, origins = [], []
        for line in lines:
            try:
                origins.append(validate_origin(line))
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return list(dict.fromkeys(origins))


class BookingPageForm(forms.ModelForm):
    """A booking page, its providers and appointment types picked by name from Healthie."""

    provider_id = forms.ChoiceField(
        label="Provider (single-provider page)",
        required=False,
        help_text="Leave empty for an organisation-level page.",
    )
    provider_ids = forms.MultipleChoiceField(
        label="Providers (organisation-level page)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    appointment_type_ids = forms.MultipleChoiceField(
        label="Appointment types offered", widget=forms.CheckboxSelectMultiple
    )
    embed_origins = OriginsField(
        label="Sites allowed to embed this page",
        required=False,
        help_text="One origin per line, like https://clinic.example (no path).",
    )

    class Meta:
        model = BookingPage
        fields = [
            "title",
            "slug",
            "intro",
            "org_level",
            "provider_id",
            "provider_ids",
            "offer_first_available",
            "appointment_type_ids",
            "brand_colour",
            "embed_origins",
            "is_active",
        ]

    def __init__(
        self,
        *args,
        provider_choices: list[tuple[str, str]],
        type_choices: list[tuple[str, str]],
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["provider_id"].choices = [
            ("", "—"),
            *_keep_unknown(
                provider_choices, [self.instance.provider_id] if self.instance.provider_id else []
            ),
        ]
        self.fields["provider_ids"].choices = _keep_unknown(
            provider_choices, self.instance.provider_ids or []
        )
        self.fields["appointment_type_ids"].choices = _keep_unknown(
            type_choices, self.instance.appointment_type_ids or []
        )

    def clean_provider_ids(self) -> list[str]:
        return self._in_page_order("provider_ids")

    def clean_appointment_type_ids(self) -> list[str]:
        return self._in_page_order("appointment_type_ids")

    def _in_page_order(self, name: str) -> list[str]:
        """The page offers its providers and types in this order: those it had keep their
        places, new ones follow in Healthie's order."""
        picked = {str(v) for v in self.cleaned_data.get(name) or []}
        kept = [str(i) for i in getattr(self.instance, name) or [] if str(i) in picked]
        listed = [value for value, _ in self.fields[name].choices]
        return kept + [value for value in listed if value in picked and value not in kept]


def _keep_unknown(choices: list[tuple[str, str]], current: list[str]) -> list[tuple[str, str]]:
    """Healthie's list, plus any saved id it no longer lists (so saving does not drop it
    silently; it is named as unknown)."""
    known = {value for value, _ in choices}
    missing = [(str(i), f"Unknown to Healthie (id {i})") for i in current if str(i) not in known]
    return [*choices, *missing]


class PlanForm(forms.ModelForm):
    """A per-appointment-type plan, the type picked by name."""

    appointment_type_id = forms.ChoiceField(label="Appointment type")
    qualiphy_exam_ids = forms.CharField(
        label="Qualiphy exam ids",
        required=False,
        help_text="Comma-separated exam ids, e.g. 12, 15. Leave empty for none.",
    )

    class Meta:
        model = AppointmentTypePlan
        fields = [
            "appointment_type_id",
            "label",
            "video",
            "betterpt_patient_notifications",
            "semble_questionnaire_token",
            "qualiphy_exam_ids",
            "provision_booked_elsewhere",
        ]

    def __init__(self, *args, type_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        current = [self.instance.appointment_type_id] if self.instance.pk else []
        self.fields["appointment_type_id"].choices = [
            ("", "Choose a type"),
            *_keep_unknown(type_choices, current),
        ]
        if self.instance.pk:
            self.initial["qualiphy_exam_ids"] = ", ".join(
                str(i) for i in self.instance.qualiphy_exam_ids
            )
        self._type_names = dict(type_choices)

    def clean_qualiphy_exam_ids(self) -> list[int]:
        text = self.cleaned_data.get("qualiphy_exam_ids") or ""
        ids = []
        for part in text.replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit() or int(part) <= 0:
                raise ValidationError(f"“{part}” is not an exam id (a positive whole number).")
            ids.append(int(part))
        return list(dict.fromkeys(ids))

    def clean(self):
        data = super().clean()
        if not data.get("label") and data.get("appointment_type_id"):
            data["label"] = self._type_names.get(data["appointment_type_id"], "")
        return data


def default_report_range(today: date) -> tuple[date, date]:
    """The last seven days, today included."""
    return today - timedelta(days=6), today
