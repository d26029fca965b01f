"""Never lose words in the post form: the text is autosaved for its writer as they type (and
when they leave), offered back when they open the form again, and a form loaded before
someone else saved the post is refused with a diff instead of writing over their version."""

from types import SimpleNamespace

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from .markup import POST_BODY_MAX_CHARS
from .models import Autosave
from .models.posts import version_diff

# The form's text fields, each at most a body's length, with room for the form's encoding.
AUTOSAVE_MAX_BYTES = 3 * POST_BODY_MAX_CHARS * 4
DIFF_SIGNS = {"added": "+ ", "removed": "- "}


def version_of(post):
    """The version a form is loaded from: when the post was last saved."""
    return post.updated_at.isoformat() if post.pk and post.updated_at else ""


def clock_label(moment):
    """14:32 today, Tue 3 Dec 14:32 on another day (site time zone)."""
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return f"{local:%H:%M}"
    return f"{local:%a %-d %b %H:%M}"


class LoadedVersionInput(forms.HiddenInput):
    """The hidden version field; it also tells autosave.js where to autosave and which
    autosave to offer back."""

    template_name = "admin/blog/loaded_version_input.html"
    autosave_url = ""
    offer = None  # a callable: the autosave to offer, or None

    def id_for_label(self, id_):
        return ""  # a hidden input has no label to point at it

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if self.autosave_url:
            context["widget"]["attrs"]["data-autosave-url"] = self.autosave_url
        context["widget"]["offer"] = self.offer() if self.offer else None
        return context


class LoadedVersionForm(forms.ModelForm):
    """A post form that carries the version it was loaded from and refuses to save over a
    version someone saved since (two editors, one post)."""

    loaded_version = forms.CharField(
        required=False, label="Loaded version", widget=LoadedVersionInput
    )
    autosave_url = ""  # set per request by AutosaveAdmin.get_form
    autosave_offer = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("loaded_version")
        if field is not None:
            field.initial = version_of(self.instance)
            field.widget.autosave_url = self.autosave_url
            field.widget.offer = self.autosave_offer

    def clean(self):
        cleaned = super().clean()
        loaded, stored = cleaned.get("loaded_version"), version_of(self.instance)
        if self.instance.pk and loaded and loaded != stored:
            # Sent again as it is, the form now says it has seen the newer version.
            self.data = self.data.copy()
            self.data[self.add_prefix("loaded_version")] = stored
            raise ValidationError(self.conflict_message(cleaned), code="stale")
        return cleaned

    def conflict_message(self, cleaned):
        saved = self.instance
        typed = SimpleNamespace(
            title=cleaned.get("title", saved.title), body=cleaned.get("body", saved.body)
        )
        rows = format_html_join(
            "",
            '<span class="diff-{}">{}{}</span>',
            ((kind, DIFF_SIGNS.get(kind, "  "), text) for kind, text in version_diff(saved, typed)),
        )
        who = f" by {saved.edited_by.public_name}" if saved.edited_by_id else ""
        return format_html(
            '<span class="stale-form">Not saved: this was saved{} at {} after you opened it. '
            "Your text is kept in the form. What was saved in between (-) against your text "
            "(+):</span>"
            '<pre class="revision-diff stale-form-diff">{}</pre>'
            "<span>Take over what you need from it, then save again to replace it.</span>",
            who,
            clock_label(saved.updated_at),
            rows or "(the same title and text: other fields changed)",
        )


class AutosaveAdmin:
    """ModelAdmin mixin for the post and page forms: the autosave endpoint, the offer to
    restore an autosave, its deletion once the post is saved, and the loaded version."""

    def get_fieldsets(self, request, obj=None):
        (name, options), *others = super().get_fieldsets(request, obj)
        fields = (*options["fields"], "loaded_version")
        return [(name, {**options, "fields": fields}), *others]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not issubclass(form, LoadedVersionForm):
            return form
        url = self.autosave_url(obj)
        offer = None
        if request.method == "GET":

            def offer():
                return self.autosave_offer(request, obj)

        return type(
            form.__name__, (form,), {"autosave_url": url, "autosave_offer": staticmethod(offer)}
        )

    def autosave_url(self, post):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        if post is None or not post.pk:
            return reverse(f"admin:{prefix}_autosave_new")
        return reverse(f"admin:{prefix}_autosave", args=[post.pk])

    def autosave_offer(self, request, post):
        """This person's autosave of the form, and whether the post was saved since. Restored,
        it brings back the version it was typed on: saving over a newer one is refused."""
        autosave = Autosave.objects.of_form(request.user, self.kind, post).first()
        if autosave is None:
            return None
        offer = {"fields": autosave.fields, "time": clock_label(autosave.saved_at)}
        if post is not None and autosave.saved_at <= post.updated_at:
            offer["saved_since"] = clock_label(post.updated_at)
        return offer

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Only the saver's: another person's unsaved words stay theirs to restore.
        Autosave.objects.of_form(request.user, self.kind, obj).delete()
        if not change:
            Autosave.objects.of_form(request.user, self.kind).delete()

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view(self.autosave)
        own = [
            path("autosave/", view, name=f"{prefix}_autosave_new"),
            path("<int:post_id>/autosave/", view, name=f"{prefix}_autosave"),
        ]
        return own + super().get_urls()

    def autosave(self, request, post_id=None):
        """Keeps what is typed in the form for this person (JSON answer); never the post."""
        if request.method != "POST":
            return JsonResponse({"error": "Autosave takes POST only."}, status=405)
        post = self.post_to_autosave(request, post_id)
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > AUTOSAVE_MAX_BYTES:
            return JsonResponse({"error": "Too much text to autosave."}, status=413)
        autosaves = Autosave.objects.of_form(request.user, self.kind, post)
        if request.POST.get("discard"):
            autosaves.delete()
            return JsonResponse({"discarded": True})
        fields = self.autosaved_fields(request, post)
        if any(len(value) > POST_BODY_MAX_CHARS for value in fields.values()):
            message = f"A field is longer than {POST_BODY_MAX_CHARS:,} characters."
            return JsonResponse({"error": message}, status=413)
        now = timezone.now()
        try:
            with transaction.atomic():
                autosaves.update_or_create(
                    user=request.user,
                    post=post,
                    kind=self.kind,
                    defaults={"fields": fields, "saved_at": now},
                )
        except IntegrityError:  # two at once (typing, then leaving): the later one wins
            autosaves.update(fields=fields, saved_at=now)
        return JsonResponse({"saved_at": now.isoformat(), "time": clock_label(now)})

    def post_to_autosave(self, request, post_id):
        """The post, checked as for changing it; None for a new one, checked as for adding."""
        if post_id is None:
            if not self.has_add_permission(request):
                raise PermissionDenied
            return None
        post = self.get_object(request, str(post_id))  # another author's: 403 (OwnedRowsAdmin)
        if post is None:
            raise Http404("No such post.")
        if not self.has_change_permission(request, post):
            raise PermissionDenied
        return post

    def autosaved_fields(self, request, post):
        """The form's own fields as sent (a split date as its _0 and _1 parts, the version it
        was loaded from), nothing else."""
        names = set(self.get_form(request, post).base_fields)
        return {
            name: value
            for name, value in request.POST.items()
            if name in names or (name[-2:] in ("_0", "_1") and name[:-2] in names)
        }
