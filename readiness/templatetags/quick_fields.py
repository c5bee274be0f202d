"""`{{ form.field|quick_field }}`: a form field in Bootstrap 5 markup, built in Python.

The same markup as crispy-forms' `as_crispy_field` (label, control, error beside it, help text,
aria wiring), for the page that must answer mid-incident: crispy and Django's widget templates
render each field through a dozen template includes, which was most of "Who do I call?".
Every other form keeps crispy.
"""

from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from readiness.forms.widgets import QuickSelect, attributes

register = template.Library()


def _control(field: BoundField, attrs: dict[str, str | bool]) -> SafeString:
    widget = field.field.widget
    if isinstance(widget, QuickSelect):
        return widget.render(field.html_name, field.value(), attrs)
    if isinstance(widget, forms.widgets.Input):
        context = widget.get_context(field.html_name, field.value(), {**field.build_widget_attrs(attrs), **attrs})
        spec = context["widget"]
        value = {"value": spec["value"]} if spec["value"] is not None else {}
        markup = attributes({"type": spec["type"], "name": spec["name"], **value, **spec["attrs"]})
        return mark_safe(f"<input{markup}>")  # noqa: S308 - attributes() escapes every value
    return field.as_widget(attrs=attrs)  # anything else: Django's own rendering


@register.filter
def quick_field(field: BoundField) -> SafeString:
    widget = field.field.widget
    auto_id = field.auto_id
    invalid = bool(field.errors)
    kind = "form-select" if isinstance(widget, forms.Select) else "form-control"
    classes = [widget.__class__.__name__.lower(), kind, widget.attrs.get("class", ""), "is-invalid" if invalid else ""]
    described = [f"{auto_id}_helptext" if field.help_text else "", f"{auto_id}_error" if invalid else ""]
    attrs: dict[str, str | bool] = {"class": " ".join(c for c in classes if c), "id": auto_id}
    if any(described):
        attrs["aria-describedby"] = " ".join(d for d in described if d)
    if invalid:
        attrs["aria-invalid"] = "true"
    asterisk = mark_safe('<span class="asteriskField">*</span>') if field.field.required else ""
    parts = [
        format_html('<div id="div_{}" class="mb-3">', auto_id),
        format_html('<label for="{}" class="form-label">{}{}</label>', auto_id, field.label, asterisk),
        _control(field, attrs),
    ]
    if invalid:
        errors = "".join(
            format_html('<span id="error_{}_{}"><strong>{}</strong></span>', n, auto_id, error)
            for n, error in enumerate(field.errors, start=1)
        )
        errors = mark_safe(errors)  # noqa: S308 - each built by format_html
        parts.append(format_html('<div id="{}_error" class="invalid-feedback">{}</div>', auto_id, errors))
    if field.help_text:
        help_text = conditional_escape(field.help_text)
        parts.append(format_html('<div id="{}_helptext" class="form-text">{}</div>', auto_id, help_text))
    parts.append(mark_safe("</div>"))
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above
