"""Pictures that belong to a post, with the renditions made once at upload."""

from contextlib import suppress

from django.db import models, transaction

from pagecache import retire

from ..markup import Picture
from ..uploads import open_upload, renditions, upload_folder


class PostImage(models.Model):
    post = models.ForeignKey("blog.Post", on_delete=models.CASCADE, related_name="images")
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

    class Meta:
        ordering = ["order", "id"]
        indexes = [models.Index(fields=["post", "order"], name="image_gallery")]

    def __str__(self):
        return self.alt

    def save(self, *args, **kwargs):
        with transaction.atomic():
            super().save(*args, **kwargs)
            self.post.refresh_html()  # its body may show this picture
            retire()

    def delete(self, *args, **kwargs):
        post = self.post
        with transaction.atomic():
            result = super().delete(*args, **kwargs)  # its files go with the row (below)
            post.refresh_html()
            retire()
        return result

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
        return f'![{self.alt}](image:{self.pk} "{self.caption}")'

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
        for name, rendition in made.items():
            getattr(self, name).save(rendition.file.name, rendition.file, save=False)


def delete_files(files):
    """Remove stored files (local or S3); one that is already gone is no error."""
    for stored in files:
        if stored and stored.name:
            with suppress(FileNotFoundError):
                stored.storage.delete(stored.name)


def picture_deleted(sender, instance, **kwargs):
    """A picture's files leave storage when its row does, however it was deleted (with its
    post, a user's posts, a bulk delete: cascades call no delete() method, hence a signal), and
    only once the deletion is committed: a rolled-back delete keeps them."""
    files = instance.files
    transaction.on_commit(lambda: delete_files(files))


models.signals.post_delete.connect(picture_deleted, sender=PostImage, dispatch_uid="picture_files")
