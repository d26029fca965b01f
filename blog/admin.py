import datetime
import itertools
import re

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from taggit.admin import TagAdmin
from taggit.forms import TagWidget
from taggit.models import Tag
from taggit.utils import _parse_tags

from accounts.admin import CheckedRelationsAdmin, OwnedRowsAdmin

from .admin_states import (
    StateFilter,
    StateFormMixin,
    publish_now,
    site_url,
    state_badge,
    state_message,
    submit_for_review,
    unpublish,
)
from .autosave import AutosaveAdmin, LoadedVersionForm
from .markup import POST_BODY_MAX_CHARS
from .media_library import (
    PicturesInText,
    attach_pending_pictures,
    show_pictures_in_text,
    upload_picture,
)
from .models import Page, Path, Post, PostImage, PostRevision, TaggedPost, split_path
from .models.posts import version_diff
from .review import after_state_change
from .uploads import open_upload, renditions


class SuggestingInput(forms.TextInput):
    """A text input with a <datalist> of suggestions (existing paths or tags)."""

    template_name = "admin/blog/suggesting_input.html"

    def __init__(self, suggestions, attrs=None):
        super().__init__(attrs)
        self.suggestions = suggestions

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["suggestions"] = self.suggestions()
        context["widget"]["attrs"]["list"] = f"{context['widget']['attrs']['id']}-suggestions"
        return context


class TagSuggestingInput(SuggestingInput, TagWidget):
    """taggit's tag input (it shows a post's tags as "a, b") with suggestions, in the order the
    author gave them (taggit sorts them by name)."""

    def format_value(self, value):
        if value is None or isinstance(value, str):
            return super().format_value(value)
        return ", ".join(f'"{tag.name}"' if "," in tag.name else tag.name for tag in value)


def tags_in_typed_order(text):
    """taggit's reading of a tag field ("a, b" or "a b", quotes for commas) in the order the
    author typed them, which the pages show; taggit's own sorts them (TAGGIT_TAGS_FROM_STRING)."""

    def position(name):
        found = re.search(rf'(?:^|[,\s"]){re.escape(name)}(?=$|[,\s"])', text)
        return found.start() if found else len(text)

    return sorted(_parse_tags(text), key=position)


class PostBodyField(forms.CharField):
    """The body as typed: not stripped (an indented first line is code, and an imported post
    saved unchanged must stay unchanged), with the browser's CRLF line endings made LF."""

    def __init__(self, **kwargs):
        kwargs["strip"] = False
        super().__init__(**kwargs)

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n").replace("\r", "\n")


# The post form, top to bottom: model fields, the path typed as text, and read-only notes
# (length, share link, revisions). PostAdmin shows this; PostAdminForm edits its model fields.
POST_FORM_LAYOUT = (
    "title",
    "slug",
    "path_text",
    "tags",
    "body",
    "pictures",
    "length",
    "markup",
    "summary",
    "status",
    "review",
    "published_at",
    "review_note",
    "allow_comments",
    "pinned",
    "author",
    "share_link",
)
# A page: no path, tags, summary or pin; a place below another page and in the navigation.
PAGE_FORM_LAYOUT = (
    "title",
    "slug",
    "parent",
    "menu_order",
    "body",
    "pictures",
    "length",
    "markup",
    "status",
    "review",
    "published_at",
    "review_note",
    "allow_comments",
    "author",
    "share_link",
)
POST_MODEL_FIELDS = {field.name for field in Post._meta.get_fields()}


class PostAdminForm(StateFormMixin, LoadedVersionForm):
    """The path is typed as text (/openstack/kilo) and created, with its ancestors, if new."""

    path_text = forms.CharField(
        label="Path",
        max_length=255,
        help_text="Where the post is filed, e.g. /openstack/kilo. New paths are created.",
    )
    pictures = PicturesInText()
    user = None  # who fills in the form (PostAdmin.get_form): suggestions show what they may see

    class Meta:
        model = Post
        fields = tuple(name for name in POST_FORM_LAYOUT if name in POST_MODEL_FIELDS)
        widgets = {
            "body": forms.Textarea(attrs={"rows": 24, "class": "vLargeTextField post-body"}),
            "summary": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"body": PostBodyField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        visible = Post.objects.visible_to(self.user)
        self.fields["path_text"].widget = SuggestingInput(
            lambda: Path.objects.holding(visible).values_list("full_path", flat=True)
        )
        if self.instance.path_id:
            self.fields["path_text"].initial = self.instance.path.full_path
        if "author" in self.fields:
            self.fields["author"].required = False
            self.fields["author"].help_text = "Left empty: whoever saves the post."
        if "tags" in self.fields:
            if self.instance.pk:
                self.initial["tags"] = self.instance.tag_list
            self.fields["tags"].widget = TagSuggestingInput(
                lambda: TaggedPost.objects.tags_of(visible).values_list("name", flat=True),
                attrs={"class": "tag-input", "size": 60},
            )
            self.fields["tags"].help_text = "Comma-separated; known tags are suggested."
        show_pictures_in_text(self)
        self.setup_state_field()

    def clean(self):
        cleaned = super().clean()
        self.clean_state(cleaned)
        return cleaned

    def clean_path_text(self):
        return "/" + "/".join(split_path(self.cleaned_data["path_text"]))

    def save(self, commit=True):
        self.instance.path = Path.objects.ensure(self.cleaned_data["path_text"])
        return super().save(commit=commit)


class PageAdminForm(StateFormMixin, LoadedVersionForm):
    class Meta:
        model = Page
        fields = tuple(name for name in PAGE_FORM_LAYOUT if name in POST_MODEL_FIELDS)
        widgets = PostAdminForm.Meta.widgets
        field_classes = PostAdminForm.Meta.field_classes

    pictures = PicturesInText()
    user = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        show_pictures_in_text(self)
        if "parent" in self.fields:
            pages = Post.objects.visible_to(self.user).pages().order_by("page_path")
            self.fields["parent"].queryset = pages.exclude(pk=self.instance.pk)
            self.fields["parent"].label_from_instance = lambda page: f"/{page.page_path}/"
        if "author" in self.fields:
            self.fields["author"].required = False
            self.fields["author"].help_text = "Left empty: whoever saves the page."
        self.setup_state_field()

    def clean(self):
        cleaned = super().clean()
        self.clean_state(cleaned)
        return cleaned


class PathAdminForm(forms.ModelForm):
    class Meta:
        model = Path
        fields = ("parent", "segment", "title", "description")

    def clean(self):
        cleaned = super().clean()
        parent = cleaned.get("parent")
        subtree = Path.objects.subtree(self.instance.full_path)
        if self.instance.pk and parent and subtree.filter(pk=parent.pk).exists():
            raise ValidationError({"parent": "A path cannot be moved under itself."})
        return cleaned


@admin.register(Path)
class PathAdmin(CheckedRelationsAdmin, admin.ModelAdmin):
    form = PathAdminForm
    list_display = ("full_path", "title")
    search_fields = ("full_path", "title")
    autocomplete_fields = ("parent",)

    def get_queryset(self, request):
        # Paths named only by another author's drafts are theirs to know (list, autocomplete).
        paths = super().get_queryset(request)
        if request.user.is_editor:
            return paths
        return paths.holding(Post.objects.visible_to(request.user))


# The admin speaks the blog's language: its name, not "Django administration"; "Tags", not
# taggit's app label.
admin.site.site_header = admin.site.site_title = f"{settings.BLOG_TITLE} — writing desk"
admin.site.index_title = "Write, publish, moderate"
apps.get_app_config("taggit").verbose_name = "Tags"
admin.site.unregister(Tag)


@admin.register(Tag)
class VisibleTagAdmin(TagAdmin):
    """taggit's tag admin, showing non-editors only the tags on posts they may see. Without
    taggit's "merge tags" action and page: they check no permission and know nothing of our
    TaggedPost rows (so would merge nothing)."""

    actions = []
    inlines = []

    def get_urls(self):
        return admin.ModelAdmin.get_urls(self)

    def get_queryset(self, request):
        tags = super().get_queryset(request)
        if request.user.is_editor:
            return tags
        return tags.filter(pk__in=TaggedPost.objects.tags_of(Post.objects.visible_to(request.user)))


class PathSubtreeFilter(admin.SimpleListFilter):
    """Rows filed under a path or below it (posts, or comments through their posts). It lists
    only the paths of the posts this user may see in the list."""

    title = "path (with sub-paths)"
    parameter_name = "under"

    def posts(self, request, model_admin):
        """The posts behind the rows this user may see."""
        return model_admin.get_queryset(request)

    def lookups(self, request, model_admin):
        paths = Path.objects.holding(self.posts(request, model_admin))
        return [(p, p) for p in paths.values_list("full_path", flat=True)]

    def queryset(self, request, queryset):
        return queryset.under(self.value()) if self.value() else queryset


class PostImageForm(forms.ModelForm):
    """A picture for the post: the file is checked and its renditions made before saving."""

    upload = forms.FileField(
        label="picture",
        required=False,
        help_text="JPEG, PNG, GIF or WebP.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}
        ),
    )

    class Meta:
        model = PostImage
        fields = ("upload", "alt", "caption", "order")

    made = None  # the renditions, made as soon as the upload is checked

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        if upload:
            self.instance.file_name = (upload.name or "")[-255:]
            try:
                # Checked and resized now, one upload at a time; the decoded bitmap is freed
                # before the next form's upload is opened. Stored only on save.
                self.made = renditions(open_upload(upload))
            except ValidationError as error:
                self.add_error("upload", error)
        elif not self.instance.pk and self.has_changed():
            self.add_error("upload", "Choose a picture to upload.")
        return cleaned

    def save(self, commit=True):
        if self.made is not None:
            self.instance.store_renditions(self.made)
        return super().save(commit=commit)


class PostImageInline(admin.StackedInline):
    """Pictures uploaded on save (without JavaScript; the body editor uploads at once): stacked,
    so that every field has its own label."""

    model = PostImage
    form = PostImageForm
    extra = 3
    fields = ("preview", "upload", "alt", "caption", "order", "reference")
    readonly_fields = ("preview", "reference")

    @admin.display(description="picture")
    def preview(self, image):
        if not image.pk:
            return ""
        return format_html(
            '<img src="{}" alt="" width="{}" height="{}" style="max-width:120px;height:auto">',
            image.thumbnail.url,
            image.thumbnail_width,
            image.thumbnail_height,
        )

    @admin.display(description="write in the text")
    def reference(self, image):
        return image.reference if image.pk else "(after saving)"


@admin.register(Post)
class PostAdmin(AutosaveAdmin, OwnedRowsAdmin, admin.ModelAdmin):
    form = PostAdminForm
    list_display = ("title", "state", "path", "published_at", "comments", "author")
    list_select_related = ("author", "path")
    search_fields = ("title", "body", "path__full_path")
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ("title",)}
    actions = [publish_now, unpublish, submit_for_review]
    fields = POST_FORM_LAYOUT
    readonly_fields = ("length", "share_link", "review")
    inlines = [PostImageInline]
    kind = Post.Kind.POST

    class Media:
        js = ["js/post-editor.js", "js/autosave.js", "js/picture-upload.js"]
        css = {"all": ["css/pygments.css", "css/post-editor.css", "css/post-desk.css"]}

    @admin.display(description="comments", ordering="comment_count")
    def comments(self, post):
        return post.comment_count

    @admin.display(description="state", ordering="status")
    def state(self, post):
        return state_badge(post)

    @admin.display(description="review")
    def review(self, post):
        """Where the post stands in review, and the contributor's "Submit for review"."""
        if post.pk and post.status == Post.Status.PENDING:
            return "Waiting for an editor: they publish it, schedule it, or send it back to Draft."
        if post.pk and post.status != Post.Status.DRAFT:
            return f"{post.state}: an editor has reviewed it."
        return "“Submit for review” (beside Save) sends it to the editors, who publish it."

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        post = self.get_object(request, object_id) if object_id else None
        can_submit = not request.user.can_publish and (
            post is None or post.status == Post.Status.DRAFT
        )
        extra_context = {**(extra_context or {}), "can_submit_for_review": can_submit}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_fields(self, request, obj=None):
        """ "Review" for contributors and posts waiting; the editor's note for editors, and
        for the author once there is one."""
        fields = list(super().get_fields(request, obj))
        waiting = obj is not None and obj.status == Post.Status.PENDING
        if request.user.can_publish and not waiting and "review" in fields:
            fields.remove("review")
        has_note = obj is not None and obj.review_note
        if not (request.user.is_editor or has_note) and "review_note" in fields:
            fields.remove("review_note")
        return fields

    def has_publish_permission(self, request):
        """Publishing, scheduling and unpublishing: not for contributors (Django allows an
        action on any one of its permissions: this one includes "change")."""
        return request.user.can_publish and self.has_change_permission(request)

    def has_change_permission(self, request, obj=None):
        # A contributor's post is theirs to change until an editor publishes it.
        allowed = super().has_change_permission(request, obj)
        if obj is not None and not request.user.can_publish:
            return allowed and obj.status in (Post.Status.DRAFT, Post.Status.PENDING)
        return allowed

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if obj is not None and not request.user.can_publish:
            return allowed and obj.status in (Post.Status.DRAFT, Post.Status.PENDING)
        return allowed

    def history_view(self, request, object_id, extra_context=None):
        """One history: the admin's History button opens the revisions (who saved what)."""
        post = self._own_post_or_403(request, object_id)
        return redirect(f"admin:{self.url_prefix}_revisions", post.pk)

    @admin.display(description="length")
    def length(self, post):
        if not post.pk:
            return "—"
        return f"{post.word_count} words, about {post.reading_minutes} min to read"

    @admin.display(description="share draft")
    def share_link(self, post):
        # The stored post: a form sent back with errors has already changed `post` in memory
        # (an emptied slug, say), and its address must not be built from that.
        post = (
            Post.objects.filter(pk=post.pk)
            .only("status", "published_at", "slug", "kind", "page_path")
            .first()
        )
        if post is None:
            return "Save the post first."
        if post.is_published:
            url = self.absolute(post.get_absolute_url())
            return format_html(
                '<a href="{}">View on the site</a> <input class="copyable" readonly size="60" '
                'value="{}" aria-label="The post\'s address, to copy">',
                url,
                url,
            )
        days = settings.BLOG_SHARE_DRAFT_DAYS
        expires = timezone.localtime(timezone.now() + datetime.timedelta(days=days))
        url = self.absolute(post.get_share_url())
        return format_html(
            '<a href="{}">View draft</a> — anyone with this link can read the draft until {} '
            '<input class="copyable" readonly size="60" value="{}" '
            'aria-label="The share link, to copy">',
            url,
            f"{expires:%a %-d %b %H:%M}",
            url,
        )

    absolute_base = ""  # set per request (get_form): links to copy are whole addresses

    def absolute(self, url):
        return f"{self.absolute_base}{url}"

    def view_on_site(self, post):
        """The site's page of a published post; the author's preview (the share link) of a
        draft or a scheduled one, not a 404."""
        stored = Post.objects.filter(pk=post.pk)
        stored = stored.only("status", "published_at", "slug", "kind", "page_path").first()
        if stored is not None and stored.is_published:
            return stored.get_absolute_url()
        return post.get_share_url()

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        """After a save, say what happened to the post (the state readers see), not only that
        it was saved."""
        saved = getattr(request, "saved_post", None)
        if saved is not None and level == messages.SUCCESS:
            request.saved_post = None
            message = state_message(saved, getattr(request, "saved_post_previous_status", None))
        return super().message_user(request, message, level, *args, **kwargs)

    def get_list_filter(self, request):
        extra = ("author",) if request.user.is_editor else ()
        return (StateFilter, PathSubtreeFilter, *extra, "allow_comments")

    def get_form(self, request, obj=None, **kwargs):
        self.absolute_base = f"{request.scheme}://{request.get_host()}"
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_readonly_fields(self, request, obj=None):
        extra = () if request.user.is_editor else ("author", "review_note")
        return (*self.readonly_fields, *extra)

    def save_model(self, request, obj, form, change):
        if not obj.author_id or (not change and not request.user.is_editor):
            obj.author = request.user
        obj.edited_by = request.user
        previous = Post.objects.filter(pk=obj.pk).values_list("status", flat=True).first()
        super().save_model(request, obj, form, change)
        if attach_pending_pictures(obj, request.user):
            obj.refresh_html()
        after_state_change(obj, previous, request.user, site_url(request))
        request.saved_post, request.saved_post_previous_status = obj, previous

    def get_changeform_initial_data(self, request):
        return {"author": request.user.pk, **super().get_changeform_initial_data(request)}

    @property
    def url_prefix(self):
        return f"{self.opts.app_label}_{self.opts.model_name}"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(kind=self.kind)

    def get_urls(self):
        prefix = self.url_prefix
        own = [
            path("preview/", self.admin_site.admin_view(self.preview), name=f"{prefix}_preview"),
            path(
                "pictures/upload/",
                self.admin_site.admin_view(lambda request: upload_picture(self, request)),
                name=f"{prefix}_upload_picture",
            ),
            path(
                "<int:post_id>/revisions/",
                self.admin_site.admin_view(self.revisions),
                name=f"{prefix}_revisions",
            ),
            path(
                "<int:post_id>/revisions/<int:revision_id>/restore/",
                self.admin_site.admin_view(self.restore),
                name=f"{prefix}_restore",
            ),
        ]
        return own + super().get_urls()

    def preview(self, request):
        """The HTML the site will show for the unsaved text in the form (same pipeline)."""
        if request.method != "POST" or not self.has_add_permission(request):
            raise PermissionDenied
        too_long = [
            name
            for name in ("body", "summary")
            if len(request.POST.get(name, "")) > POST_BODY_MAX_CHARS
        ]
        if too_long:
            message = f"The {too_long[0]} is longer than {POST_BODY_MAX_CHARS:,} characters."
            return JsonResponse({"error": message}, status=413)
        draft = Post(
            title=request.POST.get("title", ""),
            slug=request.POST.get("slug", ""),
            body=request.POST.get("body", ""),
            summary=request.POST.get("summary", ""),
            markup=request.POST.get("markup", "markdown"),
        )
        post_id = request.POST.get("post_id", "")
        stored = self.get_object(request, post_id) if post_id.isdigit() else None
        draft.published_at = stored.published_at if stored else timezone.now()
        draft.slug = stored.slug if stored else draft.slug or "preview"
        draft.pk = stored.pk if stored else None  # its pictures, for image:N references
        draft.author = stored.author if stored else request.user  # the pictures it may show
        draft.render()
        return JsonResponse(
            {"html": draft.body_html, "words": draft.word_count, "minutes": draft.reading_minutes}
        )

    def _own_post_or_403(self, request, post_id):
        post = self.get_object(request, str(post_id))
        if post is None:
            raise PermissionDenied
        if not self.has_change_permission(request, post):
            raise PermissionDenied
        return post

    def revisions(self, request, post_id):
        post = self._own_post_or_403(request, post_id)
        versions = [post, *post.revisions.select_related("edited_by")]
        rows = []
        for newer, older in itertools.pairwise(versions):
            rows.append({"revision": older, "diff": version_diff(older, newer)})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "post": post,
            "rows": rows,
            "title": f"Revisions of “{post.title}”",
        }
        return TemplateResponse(request, "admin/blog/post_revisions.html", context)

    def restore(self, request, post_id, revision_id):
        if request.method != "POST":
            raise PermissionDenied
        post = self._own_post_or_403(request, post_id)
        revision = get_object_or_404(PostRevision, pk=revision_id, post=post)
        post.title, post.body, post.edited_by = revision.title, revision.body, request.user
        post.save()
        self.message_user(request, f"Restored the version of {revision.edited_at:%Y-%m-%d %H:%M}.")
        return redirect(f"admin:{self.url_prefix}_change", post.pk)


@admin.register(Page)
class PageAdmin(PostAdmin):
    """Pages, edited like posts (the same Markdown, preview, pictures and revisions)."""

    form = PageAdminForm
    list_display = ("title", "address", "author", "state", "menu_order", "comment_count")
    list_select_related = ("author",)
    search_fields = ("title", "body", "page_path")
    date_hierarchy = None
    fields = PAGE_FORM_LAYOUT
    kind = Post.Kind.PAGE
    ordering = ("page_path",)

    @admin.display(description="address", ordering="page_path")
    def address(self, page):
        return f"/{page.page_path}/"

    def get_list_filter(self, request):
        extra = ("author",) if request.user.is_editor else ()
        return (StateFilter, *extra, "allow_comments")
