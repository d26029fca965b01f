from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from .models import Path, Post, split_path


class PostAdminForm(forms.ModelForm):
    """The path is typed as text (/openstack/kilo) and created, with its ancestors, if new."""

    path_text = forms.CharField(
        label="Path",
        max_length=255,
        help_text="Where the post is filed, e.g. /openstack/kilo. New paths are created.",
    )

    class Meta:
        model = Post
        fields = (
            "title",
            "slug",
            "tags",
            "body",
            "status",
            "published_at",
            "allow_comments",
            "author",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.path_id:
            self.fields["path_text"].initial = self.instance.path.full_path
        if "author" in self.fields:
            self.fields["author"].required = False
            self.fields["author"].help_text = "Left empty: whoever saves the post."

    def clean_path_text(self):
        text = self.cleaned_data["path_text"]
        segments = split_path(text)  # raises ValidationError with a readable message
        return "/" + "/".join(segments)

    def save(self, commit=True):
        self.instance.path = Path.objects.ensure(self.cleaned_data["path_text"])
        return super().save(commit=commit)


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
class PathAdmin(admin.ModelAdmin):
    form = PathAdminForm
    list_display = ("full_path", "title")
    search_fields = ("full_path", "title")
    autocomplete_fields = ("parent",)


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    form = PostAdminForm
    list_display = ("title", "author", "path", "status", "published_at", "allow_comments")
    list_filter = ("status", "author", "allow_comments")
    list_select_related = ("author", "path")
    search_fields = ("title", "body", "path__full_path")
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ("title",)}
    fields = (
        "title",
        "slug",
        "path_text",
        "tags",
        "body",
        "status",
        "published_at",
        "allow_comments",
        "author",
    )

    def save_model(self, request, obj, form, change):
        if not obj.author_id:
            obj.author = request.user
        super().save_model(request, obj, form, change)

    def get_changeform_initial_data(self, request):
        return {"author": request.user.pk, **super().get_changeform_initial_data(request)}
