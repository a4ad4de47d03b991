"""Form fields and widgets shared by the admin pages."""

from django import forms
from django.core.exceptions import ValidationError

from outposts.api.parsers import loads
from outposts.config import contains_nul


class StrictJSONField(forms.JSONField):
    """A JSON object field that parses like the API does.

    Django's own field accepts duplicate keys (keeping the last) and `NaN`,
    which PostgreSQL's jsonb refuses at save time; both are form errors here,
    as is anything but an object and any NUL character.
    """

    default_error_messages = {
        "not_an_object": "Value must be a dictionary, and not have any duplicate keys.",
        "null_character": "Null characters are not allowed.",
    }

    def to_python(self, value):
        if self.disabled:
            return value
        if value in self.empty_values:
            # Every JSON column of this project is an object defaulting to {}.
            return {}
        if isinstance(value, dict | list | int | float):
            return value
        try:
            parsed = loads(str(value).encode("utf-8", "surrogatepass"))
        except ValueError:
            raise ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value}
            ) from None
        return parsed

    def validate(self, value) -> None:
        super().validate(value)
        if not isinstance(value, dict):
            raise ValidationError(
                self.error_messages["not_an_object"], code="not_an_object"
            )
        if contains_nul(value):
            raise ValidationError(
                self.error_messages["null_character"], code="null_character"
            )


class WriteOnlyTextarea(forms.Textarea):
    """A textarea that never sends the stored value back to the browser."""

    def format_value(self, value):
        return None
