"""The quick widget renderer prints what Django's widget templates print, value by value, and
leaves every other widget to the templates."""

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.safestring import mark_safe

from config.forms import QuickWidgetRenderer

VALUES = [
    None,
    "",
    "plain",
    "quotes \" and ' and <b>tags</b> & ampersands",
    "Ελληνικά · 中文 · العربية · emoji 🌅",
    mark_safe("<em>already safe</em>"),
    0,
    42,
    "x" * 5000,
    "\nleading and trailing newlines\n",
]
ATTRS = [
    {},
    {"required": True, "disabled": False, "maxlength": 300, "class": 'a "b" <c>'},
    {
        "autocomplete": "one-time-code",
        "aria-describedby": "id_x_helptext",
        "data-x": mark_safe("<i>"),
    },
]
WIDGETS = [
    forms.TextInput,
    forms.EmailInput,
    forms.URLInput,
    forms.HiddenInput,
    forms.NumberInput,
    forms.PasswordInput,
    forms.Textarea,
]


@pytest.mark.parametrize("widget_class", WIDGETS, ids=lambda widget: widget.__name__)
def test_a_simple_widget_prints_what_djangos_template_prints(widget_class):
    quick, django = QuickWidgetRenderer(), TemplatesSetting()
    for attrs in ATTRS:
        for value in VALUES:
            widget = widget_class(attrs=attrs)
            ours = widget.render("field-ñame", value, renderer=quick)
            theirs = widget.render("field-ñame", value, renderer=django)
            assert ours == theirs, (attrs, value)


@pytest.mark.parametrize("checked", [True, False, None, "on", ""])
def test_a_checkbox_prints_what_djangos_template_prints(checked):
    widget = forms.CheckboxInput(attrs={"class": "tick"})
    quick, django = QuickWidgetRenderer(), TemplatesSetting()
    assert widget.render("remember", checked, renderer=quick) == widget.render(
        "remember", checked, renderer=django
    )


def test_other_widgets_are_left_to_their_templates():
    widget = forms.Select(choices=[("a", "中 <one>"), ("b", "two")])
    quick, django = QuickWidgetRenderer(), TemplatesSetting()
    assert widget.render("pick", "a", renderer=quick) == widget.render("pick", "a", renderer=django)


def test_a_form_renders_the_same_whole(db):
    from django.test import RequestFactory

    from comments.forms import CommentForm
    from tests.factories import make_post

    post = make_post()
    request = RequestFactory().get("/")
    data = {"author_name": "Zoë <script>", "body": "**hi** & <b>", "author_url": "x"}
    form = CommentForm(data, post=post, request=request)
    form.is_valid()
    ours = str(form)
    form.renderer = TemplatesSetting()
    assert str(form) == ours
