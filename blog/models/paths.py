"""Paths: the hierarchy posts are filed under (/openstack/kilo), stored as full paths."""

import functools
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Lookup
from django.db.models.functions import Concat, Substr
from django.urls import NoReverseMatch, Resolver404, URLResolver, get_resolver, resolve, reverse

from pagecache import retire

from ..converters import is_word, is_word_character

MAX_PATH_LENGTH = 255


def validate_segment(segment, *, is_first=False):
    """Raise ValidationError unless `segment` may be one part of a path."""
    if not segment:
        raise ValidationError("A path cannot have an empty part (two slashes in a row).")
    if not is_word(segment):
        raise ValidationError(
            f"“{segment}” may only use letters, digits, “-”, “_” and “.”.", code="invalid"
        )
    if set(segment) == {"."}:
        raise ValidationError(f"“{segment}” is not allowed as a part of a path.", code="invalid")
    if segment.isdigit():
        raise ValidationError(
            f"“{segment}” is only digits, which the site's date URLs use; add a letter.",
            code="reserved",
        )
    if is_taken_by_the_site(segment, is_first=is_first):
        raise ValidationError(f"“{segment}” is used by the site's own URLs.", code="reserved")


def is_taken_by_the_site(segment, *, is_first):
    """Whether a path with this segment (first, or below another) would hide one of the
    site's own pages or be hidden by one (see is_reachable)."""
    if is_first and segment.lower() == settings.STATIC_URL.strip("/").split("/")[0]:
        return True  # the static files, served before any URL is resolved
    parent = "" if is_first else "/a-path"
    return not all(is_reachable(f"{parent}/{word}") for word in {segment, segment.lower()})


def is_reachable(full_path):
    """Whether every address the site gives this path (its listing, its feeds, its date
    archives, its comment feeds) leads back to it: asked of the URLconf itself, so no list of
    reserved words has to follow it (/admin, /tags, /robots.txt, /authors/ada, /diary/feed,
    /diary/comments, /diary/2014 all fail)."""
    for name, sample in path_urls():
        try:
            match = resolve(unquote(reverse(name, kwargs={"path": full_path[1:], **sample})))
        except (NoReverseMatch, Resolver404):
            return False
        if match.view_name != name or match.kwargs.get("path") != full_path[1:]:
            return False
    return True


@functools.cache
def path_urls():
    """[(URL name, sample values for its other parameters)] of every URL with a <path>."""
    samples = {"year": "2000", "month": "01", "day": "01"}
    found = []

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif "path" in getattr(pattern.pattern, "converters", {}):
                others = {key: samples[key] for key in pattern.pattern.converters if key != "path"}
                found.append((f"{namespace}:{pattern.name}", others))

    walk(get_resolver().url_patterns, None)
    return found


def make_segment(*candidates, is_first=False):
    """The first candidate that is a valid segment as it is; else the last one made valid
    (accents dropped, other characters to "-", a prefix for digits or reserved words)."""
    for candidate in candidates:
        try:
            validate_segment(candidate, is_first=is_first)
            return candidate
        except ValidationError:
            continue
    text = unicodedata.normalize("NFC", candidates[-1])
    cleaned = "".join(c if is_word_character(c) else "-" for c in text)
    cleaned = re.sub(r"-{2,}", "-", cleaned).strip("-.") or "untitled"
    try:
        validate_segment(cleaned, is_first=is_first)
        return cleaned
    except ValidationError:
        return f"x-{cleaned}"


def split_path(full_path):
    """Validate a path written as text ('/openstack/kilo') and return its segments."""
    text = full_path.strip()
    if not text.startswith("/"):
        raise ValidationError("A path starts with “/”, e.g. /diary/pictures.", code="invalid")
    segments = unicodedata.normalize("NFC", text)[1:].removesuffix("/").split("/")
    for index, segment in enumerate(segments):
        validate_segment(segment, is_first=index == 0)
        if not is_reachable("/" + "/".join(segments[: index + 1])):
            raise ValidationError(
                f"“{segment}” is used by the site's own URLs there.", code="reserved"
            )
    if len(text) > MAX_PATH_LENGTH:
        raise ValidationError(f"A path is at most {MAX_PATH_LENGTH} characters long.")
    return segments


class Within(Lookup):
    """`full_path__within="/open"`: /open itself and every path below it, but not /openstack.

    Case-sensitive on every database (SQLite's LIKE is not), and served by the column's index.
    """

    lookup_name = "within"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        column, params = self.process_lhs(compiler, connection)
        pattern = connection.ops.prep_for_like_query(self.rhs) + "/%"
        return f"({column} = %s OR {column} LIKE %s)", [*params, self.rhs, *params, pattern]

    def as_sqlite(self, compiler, connection):
        # "/" sorts just before "0" in binary order, so the range is exactly the subtree.
        column, params = self.process_lhs(compiler, connection)
        sql = f"({column} = %s OR ({column} > %s AND {column} < %s))"
        return sql, [*params, self.rhs, *params, self.rhs + "/", *params, self.rhs + "0"]


class PathQuerySet(models.QuerySet):
    def delete(self):
        with transaction.atomic():
            retire()
            return super().delete()

    def subtree(self, full_path):
        """This path and every path below it (not prefix siblings: /open is not /openstack)."""
        return self.filter(full_path__within=full_path)

    def holding(self, posts):
        """The paths `posts` are filed under, with their ancestors (pages, filed under none,
        add nothing)."""
        full_paths = set()
        filed = posts.filter(path__isnull=False).order_by()
        for full_path in filed.values_list("path__full_path", flat=True).distinct():
            segments = full_path[1:].split("/")
            full_paths.update(
                "/" + "/".join(segments[:depth]) for depth in range(1, len(segments) + 1)
            )
        return self.filter(full_path__in=full_paths)


class PathManager(models.Manager.from_queryset(PathQuerySet)):
    def with_ancestors(self, full_path):
        """[outermost ancestor, …, the path itself] in one query; DoesNotExist if it is absent."""
        segments = full_path[1:].split("/")
        prefixes = ["/" + "/".join(segments[: depth + 1]) for depth in range(len(segments))]
        chain = list(self.filter(full_path__in=prefixes).order_by("full_path"))
        if not chain or chain[-1].full_path != full_path:
            raise self.model.DoesNotExist(f"No path {full_path}")
        return chain

    def ensure(self, full_path):
        """The Path for `full_path`, created with any missing ancestors."""
        parent = None
        for segment in split_path(full_path):
            parent, _ = self.get_or_create(parent=parent, segment=segment)
        return parent


class Path(models.Model):
    """A place in the blog's hierarchy, e.g. /openstack/kilo; posts are filed under one."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    segment = models.CharField(max_length=100)
    full_path = models.CharField(max_length=MAX_PATH_LENGTH, unique=True, editable=False)
    title = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)

    objects = PathManager()

    class Meta:
        ordering = ["full_path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "segment"], name="unique_segment_per_parent"),
        ]

    def __str__(self):
        return self.full_path

    def save(self, *args, **kwargs):
        old_full_path = self.full_path
        self.full_path = self._computed_full_path()
        with transaction.atomic():
            super().save(*args, **kwargs)
            retire()
            if old_full_path and old_full_path != self.full_path:
                # Old links under the old name keep working (see blog.middleware).
                PathRedirect.objects.update_or_create(
                    old_full_path=old_full_path, defaults={"path": self}
                )
                PathRedirect.objects.filter(old_full_path=self.full_path).delete()
                # A rename or move carries every descendant's stored path along.
                Path.objects.subtree(old_full_path).exclude(pk=self.pk).update(
                    full_path=Concat(
                        models.Value(self.full_path),
                        Substr("full_path", len(old_full_path) + 1),
                    )
                )

    def get_absolute_url(self):
        return reverse("blog:path-detail", kwargs={"path": self.full_path[1:]})

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            retire()
            return super().delete(*args, **kwargs)

    def clean(self):
        try:
            validate_segment(self.segment, is_first=self.parent_id is None)
        except ValidationError as error:
            raise ValidationError({"segment": error}) from None
        full_path = self._computed_full_path()
        if Path.objects.filter(full_path=full_path).exclude(pk=self.pk).exists():
            raise ValidationError({"segment": f"The path {full_path} exists already."})

    def _computed_full_path(self):
        return f"{self.parent.full_path if self.parent_id else ''}/{self.segment}"

    @property
    def name(self):
        return self.title or self.segment

    def subpaths_with_counts(self):
        """The paths just below this one that hold published posts, each with the number of
        published posts in its whole subtree; one query."""
        from .posts import Post  # posts refer to paths, so this import waits until needed

        counts = (
            Post.objects.published()
            .under(self)
            .exclude(path=self)
            .values_list("path__full_path")
            .annotate(count=Count("id"))
            .order_by()
        )
        totals = {}
        depth = self.full_path.count("/")
        for full_path, count in counts:
            child = "/".join(full_path.split("/")[: depth + 2])
            totals[child] = totals.get(child, 0) + count
        return [Subpath(full_path, totals[full_path]) for full_path in sorted(totals)]


@dataclass(frozen=True)
class Subpath:
    full_path: str
    post_count: int

    @property
    def url(self):
        return reverse("blog:path-detail", kwargs={"path": self.full_path[1:]})


Path._meta.get_field("full_path").register_lookup(Within)


class PathRedirect(models.Model):
    """A path's former full path: URLs under it answer 301 to the same URL under the path's
    current one (renames and moves)."""

    old_full_path = models.CharField(max_length=MAX_PATH_LENGTH, unique=True)
    path = models.ForeignKey(Path, on_delete=models.CASCADE, related_name="former_paths")

    def __str__(self):
        return f"{self.old_full_path} → {self.path.full_path}"
