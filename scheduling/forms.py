"""The patient details form: four required fields with visible labels."""

import re

from django import forms

PHONE_CHARS = re.compile(r"^[0-9+().\-\s]+$")


class PatientDetailsForm(forms.Form):
    first_name = forms.CharField(
        label="First name",
        max_length=100,
        error_messages={"required": "Enter your first name."},
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=100,
        error_messages={"required": "Enter your last name."},
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(
        label="Email",
        max_length=254,
        error_messages={
            "required": "Enter your email address.",
            "invalid": "Enter an email address like name@example.com.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label="Phone",
        max_length=32,
        error_messages={"required": "Enter your phone number."},
        help_text="Digits, spaces, dashes and a leading + are fine, e.g. 555-123-4567.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel", "inputmode": "tel"}),
    )

    field_order = ["first_name", "last_name", "email", "phone"]

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        digits = re.sub(r"\D", "", value)
        if not PHONE_CHARS.match(value) or not 10 <= len(digits) <= 15:
            raise forms.ValidationError(
                "Enter a phone number with 10 to 15 digits, like 555-123-4567."
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


# Healthie's completeCheckout field names -> ours.
VENDOR_FIELDS = {
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "phone_number": "phone",
}
