"""Widgets of our own: the browser's date pickers, and a select where Django's is too slow."""

from __future__ import annotations

from html import escape
from typing import Any

from django import forms
from django.utils.safestring import SafeString, mark_safe


def attributes(attrs: dict[str, Any]) -> str:
    """Django's `flatatt`, each value escaped with html.escape rather than its own format_html.

    True gives the bare name, False and None leave the attribute out, as in Django.
    """
    parts = []
    for key, value in attrs.items():
        if value is True:
            parts.append(f" {key}")
        elif value is not False and value is not None:
            text = value.__html__() if hasattr(value, "__html__") else escape(str(value))
            parts.append(f' {key}="{text}"')
    return "".join(parts)


class QuickSelect(forms.Select):
    """A <select> whose options are joined in Python.

    Django renders every option through a template include (~0.2 ms each), which made a list
    of a thousand applications the slowest part of "Who do I call?". Same markup, no optgroups.
    Choices may be a callable: it is called once, when the page renders.
    """

    def use_required_attribute(self, initial: Any) -> bool:
        # Django's version iterates the choices to look at the first one: a second query.
        # These selects always offer an empty "any" choice, so they are never required.
        return False

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        selected = {str(v) for v in (value if isinstance(value, list | tuple) else [value]) if v is not None}
        options = "".join(
            f'<option value="{escape(str(option_value))}"'
            f'{" selected" if str(option_value) in selected else ""}>{escape(str(label))}</option>'
            for option_value, label in self.choices
        )
        return mark_safe(f"<select{attributes(final_attrs)}>{options}</select>")  # noqa: S308 - escaped above


class DateInput(forms.DateInput):
    """The browser's date picker, which reads and writes ISO dates."""

    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker, which reads and writes ISO moments to the minute."""

    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)
