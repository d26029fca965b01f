"""Pictures in the writing desk: uploaded from the body editor as soon as they are chosen, the
list of the pictures a text shows, and the media library (every picture, where it is used,
reuse, and deletion of those no post uses)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from accounts.admin import OwnedRowsAdmin

from .models import Post, PostImage
from .models.images import referenced_picture_ids
from .uploads import open_upload

# --- Uploading from the body editor ---------------------------------------------------------


class PictureUploadForm(forms.Form):
    """One picture sent by the editor's script, with the alt text asked for at upload."""

    file = forms.FileField()
    alt = forms.CharField(max_length=300, error_messages={"required": "Say what it shows."})
    caption = forms.CharField(max_length=300, required=False)

    picture = None  # the checked, decoded picture

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.picture = open_upload(upload)  # the site's checks: type, size, pixels, damage
        return upload


def upload_picture(model_admin, request):
    """POST one picture for the post being written (`post_id`, which the user may change) or
    for a post not saved yet: then the picture is the uploader's, and the post's first save
    takes the pictures its text shows. Answers JSON: the picture's number and reference, or
    the reasons it was refused."""
    if request.method != "POST" or not request.user.has_perm("blog.add_postimage"):
        raise PermissionDenied
    post = None
    post_id = request.POST.get("post_id", "")
    if post_id:
        if not (post_id.isdigit() and len(post_id) < 18):
            raise Http404("No such post.")
        post = model_admin.get_object(request, post_id)
        if post is None:
            raise Http404("No such post.")
        if not model_admin.has_change_permission(request, post):
            raise PermissionDenied
    elif not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = PictureUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = {name: [str(error) for error in found] for name, found in form.errors.items()}
        return JsonResponse({"errors": errors}, status=400)
    upload = form.cleaned_data["file"]
    image = PostImage(
        post=post,
        owner=request.user,
        alt=form.cleaned_data["alt"],
        caption=form.cleaned_data["caption"],
        file_name=(upload.name or "")[-255:],
    )
    image.store(form.picture)
    image.save()
    return JsonResponse(
        {
            "id": image.pk,
            "reference": image.reference,
            "thumbnail": image.thumbnail.url,
            "width": image.width,
            "height": image.height,
        },
        status=201,
    )


def attach_pending_pictures(post, user):
    """A new post's first save takes the pictures its author uploaded for it (those its text
    shows); the number attached."""
    numbers = referenced_picture_ids(post.body, post.summary)
    if not numbers:
        return 0
    return PostImage.objects.pending_for(user).filter(pk__in=numbers).update(post=post)


# --- The pictures a text shows, under the body editor ----------------------------------------


class PictureTray(forms.Widget):
    """The pictures the text shows (after a failed save too: they are stored already), and the
    editor's upload controls, which its script shows."""

    template_name = "admin/blog/picture_tray.html"
    pictures = ()

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["pictures"] = self.pictures
        return context

    def value_from_datadict(self, data, files, name):
        return None

    def id_for_label(self, id_):
        return None  # a list and buttons, no one control to label


class PicturesInText(forms.Field):
    """Not a field the form saves: the place of the picture tray in the post form."""

    widget = PictureTray

    def __init__(self, **kwargs):
        super().__init__(required=False, label="Pictures", **kwargs)


def show_pictures_in_text(form):
    """Fill the form's picture tray with the pictures its text refers to that the user may use
    (bound: the text as sent, so a form sent back with errors still shows them)."""
    body = form.data.get("body", "") if form.is_bound else form.instance.body
    summary = form.data.get("summary", "") if form.is_bound else form.instance.summary
    numbers = referenced_picture_ids(body, summary)
    pictures = []
    if numbers and form.user is not None:
        usable = PostImage.objects.usable_by(form.user).filter(pk__in=numbers)
        found = {image.pk: image for image in usable}
        pictures = [found[number] for number in numbers if number in found]
    form.fields["pictures"].widget.pictures = pictures


# --- The media library -----------------------------------------------------------------------


class UsageFilter(admin.SimpleListFilter):
    title = "use"
    parameter_name = "use"

    def lookups(self, request, model_admin):
        return [("unused", "Used by no post"), ("used", "Used")]

    def queryset(self, request, queryset):
        unused = queryset.unused()
        if self.value() == "unused":
            return unused
        if self.value() == "used":
            return queryset.exclude(pk__in=unused.values("pk"))
        return queryset


@admin.action(description="Delete the selected pictures no post uses", permissions=["delete"])
def delete_unused(modeladmin, request, queryset):
    unused = queryset.unused()
    kept = queryset.count() - unused.count()
    deleted = 0
    for image in unused:  # one by one: each one's files leave storage after the commit
        image.delete()
        deleted += 1
    modeladmin.message_user(request, f"Deleted {deleted} picture(s).", messages.SUCCESS)
    if kept:
        modeladmin.message_user(
            request, f"Kept {kept} picture(s) that a post still uses.", messages.WARNING
        )


LINKED_POST_FIELDS = ("id", "title", "first_words", "kind")


@admin.register(PostImage)
class MediaLibraryAdmin(OwnedRowsAdmin, admin.ModelAdmin):
    """Every picture of the site (an author's own for Authors): find, reuse, tidy up."""

    list_display = ("preview", "alt", "caption", "file", "dimensions", "size", "used_in", "reuse")
    list_display_links = ("alt",)
    list_filter = (UsageFilter,)
    search_fields = ("alt", "caption", "file_name")
    actions = [delete_unused]
    fields = ("preview", "alt", "caption", "file", "dimensions", "size", "used_in", "reuse")
    readonly_fields = ("preview", "file", "dimensions", "size", "used_in", "reuse")
    list_per_page = 50

    class Media:
        js = ["js/media-library.js"]
        css = {"all": ["css/media-library.css"]}

    def get_queryset(self, request):
        posts = Post.objects.only(*LINKED_POST_FIELDS)
        return (
            admin.ModelAdmin.get_queryset(self, request)  # OwnedRowsAdmin's 403, not its filter
            .visible_to(request.user)
            .select_related("post")
            .prefetch_related(Prefetch("shown_in", queryset=posts))
            .order_by("-created_at", "-id")
        )

    def has_add_permission(self, request):
        return False  # pictures are added where they are shown: in a post's editor

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Media library", **(extra_context or {})})

    def delete_view(self, request, object_id, extra_context=None):
        # Not has_delete_permission(): deleting a post deletes its pictures with it.
        image = self.get_object(request, object_id)
        if image is not None and image.is_used:
            self.message_user(
                request,
                "A post uses this picture: take it out of the post first.",
                messages.ERROR,
            )
            return redirect("admin:blog_postimage_change", image.pk)
        return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # it would delete pictures still in use
        return actions

    @admin.display(description="picture")
    def preview(self, image):
        return format_html(
            '<img src="{}" alt="" width="{}" height="{}" class="library-thumbnail">',
            image.thumbnail.url,
            image.thumbnail_width,
            image.thumbnail_height,
        )

    @admin.display(description="file name", ordering="file_name")
    def file(self, image):
        return image.file_name or image.original.name.rsplit("/", 1)[-1]

    @admin.display(description="dimensions")
    def dimensions(self, image):
        return f"{image.original_width} by {image.original_height} pixels"

    @admin.display(description="size", ordering="file_size")
    def size(self, image):
        return filesizeformat(image.file_size) if image.file_size is not None else "—"

    @admin.display(description="used in")
    def used_in(self, image):
        posts = {post.pk: post for post in image.shown_in.all()}
        if image.post_id:
            posts.setdefault(image.post_id, image.post)
        if not posts:
            return "No post"
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            ((post_change_url(post), post.display_title) for post in posts.values()),
        )

    @admin.display(description="reuse")
    def reuse(self, image):
        return format_html(
            '<input class="copyable picture-reference" readonly size="16" value="{}" '
            'aria-label="The reference of “{}”, to copy into a text">'
            '<button type="button" class="button insert-picture" data-reference="{}" hidden>'
            "Insert into the open post</button>",
            image.reference,
            image.alt,
            image.reference,
        )


def post_change_url(post):
    model = "page" if post.kind == Post.Kind.PAGE else "post"
    return reverse(f"admin:blog_{model}_change", args=[post.pk])
