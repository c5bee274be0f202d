"""Widgets of our own, only where Django's do a job too slowly."""

from __future__ import annotations

from html import escape
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.safestring import SafeString, mark_safe


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
        return mark_safe(f"<select{flatatt(final_attrs)}>{options}</select>")  # noqa: S308 - escaped above
