"""Pictures that belong to a post, with the renditions made once at upload."""

import re
from contextlib import suppress

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q

from pagecache import retire

from ..markup import Picture
from ..uploads import open_upload, renditions, upload_folder

# `image:12` in a Markdown image (`![alt](image:12 "caption")`): a picture of the site.
PICTURE_REFERENCE = re.compile(r"\]\(\s*<?image:(\d{1,17})\b")


def referenced_picture_ids(*texts):
    """The picture numbers a Markdown text refers to, in order of first use."""
    found = (int(number) for text in texts for number in PICTURE_REFERENCE.findall(text or ""))
    return list(dict.fromkeys(found))


class PostImageQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The media library of `user`: every picture for editors; for anyone else those they
        uploaded and those of their posts."""
        if getattr(user, "is_editor", False):
            return self
        return self.filter(Q(owner=user.pk) | Q(post__author=user.pk))

    def usable_by(self, author):
        """Pictures a post by `author` may show by number: their own, those of published
        posts (reuse), and every one for editors. Another author's unpublished picture stays
        theirs."""
        if author is None:
            return self.none()
        if author.is_editor:
            return self
        readable = self.model._meta.get_field("post").related_model.objects.readable()
        return self.filter(Q(owner=author) | Q(post__author=author) | Q(post__in=readable))

    def pending_for(self, user):
        """Uploaded by `user` for a post not saved yet (attached at its first save)."""
        return self.filter(post=None, owner=user.pk)

    def unused(self):
        """Pictures no post owns or shows: they can go."""
        return self.filter(post=None, shown_in=None)


class PostImage(models.Model):
    post = models.ForeignKey(
        "blog.Post", on_delete=models.CASCADE, related_name="images", null=True, blank=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="pictures",
        help_text="Who uploaded it; a picture uploaded for a new post is theirs until it is saved.",
    )
    shown_in = models.ManyToManyField(
        "blog.Post",
        blank=True,
        editable=False,
        related_name="pictures_shown",
        help_text="The posts whose text shows it (image:N), kept when a post is saved.",
    )
    file_name = models.CharField(
        max_length=255, blank=True, editable=False, help_text="The name of the uploaded file."
    )
    file_size = models.PositiveBigIntegerField(
        null=True, editable=False, help_text="Of the stored original, in bytes."
    )
    original = models.FileField(upload_to=upload_folder, editable=False)
    display = models.FileField(upload_to=upload_folder, editable=False)
    thumbnail = models.FileField(upload_to=upload_folder, editable=False)
    width = models.PositiveIntegerField(editable=False, help_text="Of the display rendition.")
    height = models.PositiveIntegerField(editable=False)
    thumbnail_width = models.PositiveIntegerField(editable=False)
    thumbnail_height = models.PositiveIntegerField(editable=False)
    original_width = models.PositiveIntegerField(editable=False)
    original_height = models.PositiveIntegerField(editable=False)
    alt = models.CharField(
        "alt text",
        max_length=300,
        help_text="What the picture shows, for people who cannot see it.",
    )
    caption = models.CharField(max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    source_url = models.CharField(
        max_length=500, blank=True, editable=False, help_text="Where an imported picture was."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PostImageQuerySet.as_manager()

    class Meta:
        verbose_name = "picture"
        ordering = ["order", "id"]
        indexes = [models.Index(fields=["post", "order"], name="image_gallery")]

    def __str__(self):
        return self.alt

    def save(self, *args, **kwargs):
        with transaction.atomic():
            super().save(*args, **kwargs)
            showing = self.posts_showing()
            for post in showing:  # their bodies may show this picture
                post.refresh_html()
            retire(*(post.cache_key for post in showing))  # an unused one is on no page

    def delete(self, *args, **kwargs):
        post = self.post
        with transaction.atomic():
            result = super().delete(*args, **kwargs)  # its files go with the row (below)
            if post is not None:
                post.refresh_html()  # other posts that showed it: see picture_deleted
            retire()
        return result

    def posts_showing(self):
        """The post that owns it and those whose text shows it."""
        shown = list(self.shown_in.all()) if self.pk else []
        owner = [self.post] if self.post_id and self.post_id not in {p.pk for p in shown} else []
        return owner + shown

    @property
    def is_used(self):
        """Whether a post owns or shows it (uses the prefetched shown_in)."""
        return bool(self.post_id or self.shown_in.all())

    @property
    def files(self):
        return [self.original, self.display, self.thumbnail]

    @property
    def srcset(self):
        """The renditions by width; a small picture's thumbnail is as wide as the picture itself
        and is left out (two candidates of one width are invalid HTML)."""
        candidates = [f"{self.display.url} {self.width}w"]
        if self.thumbnail_width < self.width:
            candidates.insert(0, f"{self.thumbnail.url} {self.thumbnail_width}w")
        return ", ".join(candidates)

    def as_picture(self):
        """What the Markdown pipeline needs to show this picture in the body."""
        return Picture(
            src=self.display.url,
            width=self.width,
            height=self.height,
            srcset=self.srcset,
            alt=self.alt,
            caption=self.caption,
            large=self.original.url,
        )

    @property
    def reference(self):
        """What an author writes in the body to place this picture."""
        alt = re.sub(r"([\\\[\]])", r"\\\1", self.alt)  # brackets would end the alt text
        caption = re.sub(r'([\\"])', r"\\\1", self.caption)
        return f'![{alt}](image:{self.pk} "{caption}")'

    def set_upload(self, upload):
        """Check an uploaded file and store its renditions (ValidationError if unfit)."""
        self.store(open_upload(upload))

    def store(self, picture):
        """Store the renditions of a checked Pillow picture (see uploads.open_upload)."""
        self.store_renditions(renditions(picture))

    def store_renditions(self, made):
        """Store renditions made by uploads.renditions; the files they replace go once the
        change is committed."""
        replaced = [getattr(self, name) for name in made if getattr(self, name)]
        if self.pk and replaced:
            transaction.on_commit(lambda: delete_files(replaced))
        self.original_width, self.original_height = made["original"].width, made["original"].height
        self.width, self.height = made["display"].width, made["display"].height
        self.thumbnail_width = made["thumbnail"].width
        self.thumbnail_height = made["thumbnail"].height
        self.file_size = made["original"].file.size
        for name, rendition in made.items():
            getattr(self, name).save(rendition.file.name, rendition.file, save=False)


def delete_files(files):
    """Remove stored files (local or S3); one that is already gone is no error."""
    for stored in files:
        if stored and stored.name:
            with suppress(FileNotFoundError):
                stored.storage.delete(stored.name)


def picture_deleting(sender, instance, **kwargs):
    """Note the other posts that show the picture before its rows go (see picture_deleted)."""
    instance.shown_elsewhere = [
        pk for pk in instance.shown_in.values_list("pk", flat=True) if pk != instance.post_id
    ]


def picture_deleted(sender, instance, **kwargs):
    """A picture's files leave storage when its row does, however it was deleted (with its
    post, a user's posts, a bulk delete: cascades call no delete() method, hence a signal), and
    only once the deletion is committed: a rolled-back delete keeps them. Other posts that
    showed it are rendered again then (those still there), and say it is missing."""
    files = instance.files
    transaction.on_commit(lambda: delete_files(files))
    elsewhere = getattr(instance, "shown_elsewhere", [])
    if elsewhere:
        posts = instance._meta.get_field("post").related_model.objects
        transaction.on_commit(
            lambda: [post.refresh_html() for post in posts.filter(pk__in=elsewhere)]
        )


models.signals.pre_delete.connect(
    picture_deleting, sender=PostImage, dispatch_uid="picture_shown_elsewhere"
)
models.signals.post_delete.connect(picture_deleted, sender=PostImage, dispatch_uid="picture_files")
