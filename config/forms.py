"""The form renderer: Django's (TemplatesSetting), with its simplest widgets written out in
Python.

Django renders every widget through its template (an include of input.html, another of
attrs.html): about 0.3 ms for each field of a form, which a permalink's comment form pays
ten times on every page. `QuickWidgetRenderer` prints exactly what Django's own templates for
inputs and textareas print (tests/config/test_forms.py compares them value by value), and
falls back to the templates for every other widget, and for these too if a project template
overrides Django's.
"""

from pathlib import Path

import django.forms
from django.forms.renderers import TemplatesSetting
from django.utils.html import conditional_escape

DJANGO_FORM_TEMPLATES = Path(django.forms.__file__).parent / "templates"
INPUTS = {
    f"django/forms/widgets/{name}.html"
    for name in ("input", "text", "email", "url", "hidden", "checkbox", "number", "password")
}
TEXTAREA = "django/forms/widgets/textarea.html"
INPUT = "django/forms/widgets/input.html"  # which the others include, with attrs.html
ATTRS = "django/forms/widgets/attrs.html"


def as_text(value):
    """What `{{ value|stringformat:'s' }}` prints: the value as text, escaped unless safe."""
    return conditional_escape(value if hasattr(value, "__html__") else str(value))


def attributes(attrs):
    """What django/forms/widgets/attrs.html prints."""
    return "".join(
        f" {conditional_escape(name)}" + ("" if value is True else f'="{as_text(value)}"')
        for name, value in attrs.items()
        if value is not False
    )


def input_html(widget):
    value = "" if widget["value"] is None else f' value="{as_text(widget["value"])}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{value}{attributes(widget["attrs"])}>'
    )


def textarea_html(widget):
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    return (
        f'<textarea name="{conditional_escape(widget["name"])}"{attributes(widget["attrs"])}>\n'
        f"{value}</textarea>"
    )


class QuickWidgetRenderer(TemplatesSetting):
    def __init__(self):
        super().__init__()
        self._own = {}

    def is_djangos(self, *template_names):
        """Whether the templates in force are Django's own (none overridden by a project)."""
        for name in template_names:
            if name not in self._own:
                origin = Path(self.get_template(name).origin.name)
                self._own[name] = origin.is_relative_to(DJANGO_FORM_TEMPLATES)
        return all(self._own[name] for name in template_names)

    def render(self, template_name, context, request=None):
        if template_name in INPUTS and self.is_djangos(template_name, INPUT, ATTRS):
            return input_html(context["widget"]).strip()
        if template_name == TEXTAREA and self.is_djangos(template_name, ATTRS):
            return textarea_html(context["widget"]).strip()
        return super().render(template_name, context, request=request)
