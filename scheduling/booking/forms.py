"""The patient details form: four required fields with visible labels, plus date of birth and
state when the appointment type orders a Qualiphy exam (Qualiphy requires both), and gender when
its video visit is at HCW@Home (a default HCW@Home backend requires it, as "male" or "female")."""

import re
from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

STATE_CODES = (
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "DC",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
)
US_STATES = [("", _("Choose your state")), *((code, code) for code in STATE_CODES)]

PHONE_CHARS = re.compile(r"^[0-9+().\-\s]+$")

# HCW@Home's own values: it accepts these two and nothing else.
GENDERS = [("", _("Choose one")), ("female", _("Female")), ("male", _("Male"))]


class PatientDetailsForm(forms.Form):
    first_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        error_messages={"required": _("Enter your first name.")},
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=100,
        error_messages={"required": _("Enter your last name.")},
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        error_messages={
            "required": _("Enter your email address."),
            "invalid": _("Enter an email address like name@example.com."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        error_messages={"required": _("Enter your phone number.")},
        help_text=_("Digits, spaces, dashes and a leading + are fine, e.g. 555-123-4567."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel", "inputmode": "tel"}),
    )

    field_order = [
        "first_name",
        "last_name",
        "email",
        "phone",
        "date_of_birth",
        "patient_state",
        "gender",
    ]

    def __init__(
        self, *args, needs_exam_details: bool = False, needs_gender: bool = False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        if needs_gender:
            self.fields["gender"] = forms.ChoiceField(
                label=_("Gender"),
                choices=GENDERS,
                help_text=_("The video visit service asks for female or male."),
                error_messages={"required": _("Choose female or male.")},
            )
        if needs_exam_details:
            self.fields["date_of_birth"] = forms.DateField(
                label=_("Date of birth"),
                error_messages={
                    "required": _("Enter your date of birth."),
                    "invalid": _("Enter your date of birth like 1990-05-17."),
                },
                widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
            )
            self.fields["patient_state"] = forms.ChoiceField(
                label=_("State"),
                choices=US_STATES,
                help_text=_("The US state you will be in during the visit."),
                error_messages={"required": _("Choose the state you will be in.")},
            )

    def clean_date_of_birth(self) -> date:
        value = self.cleaned_data["date_of_birth"]
        if not date(1900, 1, 1) <= value < date.today():
            raise forms.ValidationError(_("Enter a date of birth in the past."))
        return value

    def payload(self) -> dict:
        """The cleaned details as JSON (for the signed confirm token)."""
        data = dict(self.cleaned_data)
        if data.get("date_of_birth"):
            data["date_of_birth"] = data["date_of_birth"].isoformat()
        return data

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        digits = re.sub(r"\D", "", value)
        if not PHONE_CHARS.match(value) or not 10 <= len(digits) <= 15:
            raise forms.ValidationError(
                _("Enter a phone number with 10 to 15 digits, like 555-123-4567.")
            )
        return value

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip()

    def add_error(self, field, error) -> None:
        super().add_error(field, error)
        # Point each invalid input at its message (and hint), so screen readers read both.
        for name in self.errors:
            if name in self.fields:
                ids = [f"id_{name}_error"]
                if self.fields[name].help_text:
                    ids.append(f"id_{name}_helptext")
                self.fields[name].widget.attrs["aria-describedby"] = " ".join(ids)

    def add_vendor_messages(self, messages: dict[str, str]) -> None:
        """Healthie's own field messages (it refused a detail we accepted)."""
        for field, message in messages.items():
            self.add_error(field if field in self.fields else None, message)
