"""Posts, their tags and their earlier versions."""

import copy
import datetime
import difflib
import math
import re
from collections import Counter, defaultdict
from urllib.parse import unquote

from django.conf import settings
from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, router, transaction
from django.db.models import Count, F, Min, OuterRef, Q, Subquery, Value, signals
from django.db.models.functions import Coalesce, TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItemBase

from pagecache import cached_until_change, depends_on, once_on_commit, retire

from ..converters import slug_of
from ..markup import MORE_MARKER, POST_BODY_MAX_CHARS, plain_text, render_post
from . import search_index
from .images import PostImage, referenced_picture_ids
from .paths import Path, is_reachable

SHARE_SALT = "blog.shared-draft"
WORDS_PER_MINUTE = 230
RELATED_CANDIDATES = 200  # newest posts of each tag considered for "related posts"
RELATED_ON_LISTINGS = 5  # "Related posts:" under each entry of a listing, titles only
FIRST_WORDS = 8  # what names a post without a title
# What a link to a post (related posts, neighbours, navigation) reads of it.
LINK_FIELDS = ("title", "first_words", "kind", "page_path", "slug", "pub_date", "published_at")


def first_moment_of(day):
    """Midnight at the start of `day` in the site's time zone (clamped to what a datetime can
    hold: the first day of year 1 east of UTC begins before it)."""
    try:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min)).astimezone(
            datetime.UTC
        )
    except (OverflowError, ValueError):
        return datetime.datetime.min.replace(tzinfo=datetime.UTC)


# Times a post may carry: a day inside the calendar's edges in every time zone, so that its
# local day, its archive pages and every date shown of it exist (year 1 to 9999).
EARLIEST = datetime.datetime(1, 1, 2, tzinfo=datetime.UTC)
LATEST = datetime.datetime(9999, 12, 30, tzinfo=datetime.UTC)


def validate_within_calendar(moment):
    if moment is not None and not EARLIEST <= moment <= LATEST:
        raise ValidationError("Choose a time between 2 January of year 1 and 30 December 9999.")


def opening(text):
    """The first words of a text: the name of a post without a title."""
    return Truncator(" ".join(text.split()[: FIRST_WORDS + 1])).words(FIRST_WORDS)[:300]


class PostQuerySet(models.QuerySet):
    def readable(self):
        """Visible to readers, posts and pages: published, and not scheduled for later."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__lte=timezone.now())

    def published(self):
        """The dated stream readers see (front page, archives, listings, feeds): published
        posts, not pages."""
        return self.readable().filter(kind=Post.Kind.POST)

    def pages(self):
        """Pages (About, Contact…): in the site navigation, never in the dated stream."""
        return self.filter(kind=Post.Kind.PAGE)

    def navigation(self):
        """The published top-level pages, in the order their authors gave them."""
        return (
            self.readable()
            .pages()
            .filter(parent=None)
            .order_by("menu_order", "title", "id")
            .only(*LINK_FIELDS)
        )

    def reachable(self):
        """What answers at its own address: what readers see, plus unlisted posts and pages
        (reachable by their link, absent from every listing, feed, sitemap and search)."""
        return self.filter(
            Q(status=Post.Status.UNLISTED)
            | Q(status=Post.Status.PUBLISHED, published_at__lte=timezone.now())
        )

    def scheduled(self):
        """Published for a time still to come: readers see them from then on."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__gt=timezone.now())

    def drafts(self):
        return self.filter(status=Post.Status.DRAFT)

    def pending_review(self):
        """Submitted for review by a contributor: waiting for an editor."""
        return self.filter(status=Post.Status.PENDING)

    def unlisted(self):
        return self.filter(status=Post.Status.UNLISTED)

    def in_state(self, state):
        """The posts in one of Post.State (the admin's state filter)."""
        return {
            Post.State.DRAFT: self.drafts,
            Post.State.PENDING: self.pending_review,
            Post.State.SCHEDULED: self.scheduled,
            Post.State.PUBLISHED: self.readable,
            Post.State.UNLISTED: self.unlisted,
        }[state]()

    def open_for_comments(self):
        """Published posts that take comments: allowed, and not older than
        COMMENTS_CLOSE_AFTER_DAYS."""
        posts = self.readable().filter(allow_comments=True)
        days = settings.COMMENTS_CLOSE_AFTER_DAYS
        if days is None:
            return posts
        return posts.filter(published_at__gt=timezone.now() - datetime.timedelta(days=days))

    def delete(self):
        with transaction.atomic():
            retire()
            return super().delete()

    def update(self, **kwargs):
        """A bulk change of posts (an admin action, a shell session) retires the cached pages
        like a save() does (once per transaction); the derived columns that no page shows are
        written with update_quietly()."""
        with transaction.atomic():
            retire()
            return super().update(**kwargs)

    def update_quietly(self, **kwargs):
        """update() for what the site derives by itself, whose change is retired already."""
        return super().update(**kwargs)

    def visible_to(self, user):
        """What `user` may see in the admin: everything for editors; for anyone else what
        readers see plus their own posts."""
        if getattr(user, "is_editor", False):
            return self
        return self.filter(Q(pk__in=self.readable().values("pk")) | Q(author=user.pk))

    def under(self, path):
        """Filed under `path` (a Path or its text) or any path below it."""
        full_path = path.full_path if isinstance(path, Path) else path.rstrip("/")
        return self.filter(path__full_path__within=full_path)

    def tagged(self, *tag_slugs):
        """Carrying every one of the given tags."""
        queryset = self
        for slug in tag_slugs:
            queryset = queryset.filter(tagged_items__tag__slug=slug)
        return queryset

    def at(self, year, month, day, slug):
        """The post a permalink names (none for a date that does not exist)."""
        try:
            pub_date = datetime.date(int(year), int(month), int(day))
        except ValueError:
            return self.none()
        return self.filter(pub_date=pub_date, slug=slug)

    def between(self, first_day, day_after):
        """Published on the days from `first_day` up to, not including, `day_after` (site
        time zone; None: no end). The bounds are put on published_at too, so the listing
        index serves it."""
        posts = self.filter(pub_date__gte=first_day, published_at__gte=first_moment_of(first_day))
        if day_after is not None:
            posts = posts.filter(
                pub_date__lt=day_after, published_at__lt=first_moment_of(day_after)
            )
        return posts

    def by(self, author):
        return self.filter(author=author)

    def with_tags(self):
        """Each post's tags prefetched in the order the author gave them (Post.tag_list)."""
        return self.prefetch_related(tags_in_order())

    def has_several_authors(self):
        """More than one person wrote these posts (a byline then tells them apart)."""
        return len(self.order_by().values("author").distinct()[:2]) > 1

    def refresh_search_vectors(self):
        """Store what search reads of each post: on PostgreSQL its weighted search vector
        (title A, tags B, body C), on SQLite its row of the full-text index (search_index)."""
        if connection.vendor == "sqlite":
            return search_index.store(self)
        if connection.vendor != "postgresql":
            return 0
        config = settings.BLOG_SEARCH_CONFIG
        tag_names = (
            TaggedPost.objects.filter(content_object=OuterRef("pk"))
            .values("content_object")
            .annotate(names=StringAgg("tag__name", " "))
            .values("names")
        )
        return self.update_quietly(
            search_vector=SearchVector("title", weight="A", config=config)
            + SearchVector(
                Coalesce(Subquery(tag_names), Value(""), output_field=models.TextField()),
                weight="B",
                config=config,
            )
            + SearchVector("body_text", weight="C", config=config)
        )

    def neighbouring_days(self, first_day, day_after):
        """(the last day with a post before `first_day`, the first day with one on or after
        `day_after`), either None: an archive's previous and next periods, empty ones skipped.
        Each is one step along the listing index."""
        earlier = (
            self.filter(published_at__lt=first_moment_of(first_day))
            .order_by("-published_at", "-id")
            .values_list("pub_date", flat=True)
            .first()
        )
        later = None
        if day_after is not None:
            later = (
                self.filter(published_at__gte=first_moment_of(day_after))
                .order_by("published_at", "id")
                .values_list("pub_date", flat=True)
                .first()
            )
        return earlier, later

    def day_counts(self):
        """[(day, number of posts)], oldest first."""
        return list(self.values_list("pub_date").annotate(count=Count("id")).order_by("pub_date"))

    def month_counts(self, year):
        """[(first day of month, number of posts)] for the months of `year` that have posts."""
        return list(
            self.filter(pub_date__year=year)
            .annotate(month=TruncMonth("pub_date"))
            .values_list("month")
            .annotate(count=Count("id"))
            .order_by("month")
        )


class PostManager(models.Manager.from_queryset(PostQuerySet)):
    """Posts without the two columns only search reads (the stored vector can be larger than the
    post itself): pages never load them, and loading them cost a listing a third of its time."""

    def get_queryset(self):
        return super().get_queryset().defer("search_vector", "body_text")


class TaggedPostQuerySet(models.QuerySet):
    def tags_of(self, posts):
        """The tags carried by `posts`."""
        return Tag.objects.filter(
            pk__in=self.filter(content_object__in=posts).values("tag")
        ).order_by("name")

    def also_on(self, posts, tags, limit=12):
        """The other tags most often on `posts` (which carry every one of `tags`), each with
        how many: where a tag page can narrow to an intersection (/tags/python+django/)."""
        return (
            self.filter(content_object__in=posts)
            .exclude(tag__in=tags)
            .values("tag__name", "tag__slug")
            .annotate(count=Count("id"))
            .order_by("-count", "tag__name")[:limit]
        )

    def counts_of_published(self):
        """Every tag on a published post, with its number of published posts, by name."""
        return (
            self.filter(content_object__in=Post.objects.published())
            .values("tag__name", "tag__slug")
            .annotate(count=Count("id"))
            .order_by("tag__name")
        )


class TaggedPost(TaggedItemBase):
    content_object = models.ForeignKey(
        "Post", on_delete=models.CASCADE, related_name="tagged_items"
    )

    objects = TaggedPostQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="unique_tag_per_post"),
        ]
        indexes = [
            # "The newest posts with this tag": tag pages and related posts.
            models.Index(fields=["tag", "-content_object"], name="taggedpost_by_tag"),
        ]


def unique_slug(base, is_taken):
    """`base`, or `base-2`, `base-3`… : the first candidate for which is_taken() is false."""
    candidate, number = base, 1
    while is_taken(candidate):
        number += 1
        candidate = f"{base[: 200 - len(str(number)) - 1]}-{number}"
    return candidate


def tags_in_order():
    """The prefetch of a post's tags in the order the author gave them (Post.tag_list)."""
    return models.Prefetch(
        "tagged_items", queryset=TaggedPost.objects.select_related("tag").order_by("id")
    )


def entry_prefetches():
    """What an entry shows of its post beyond the row: its tags, its pictures."""
    return (tags_in_order(), "images")


KEPT_BY_COMMENTS = ("comment_count", "comments_version")  # (see Post.save)


def post_cache_key(pk):
    """The page cache's key of the pages that show post `pk` (its title, text, count...)."""
    return f"post:{pk}"


def titles_cache_key(year):
    """The page cache's key of the pages that show the titles of the posts of `year` (its
    archive's list of titles): retired when one of them is retitled (Post.retired_by_save);
    any other change to what the list shows (a date, an address, a post in or out) retires
    every page."""
    return f"titles:{year}"


def comments_cache_key(pk):
    """The page cache's key of the pages that show post `pk`'s comments or their number."""
    return f"comments:{pk}"


def retire_comments_of(post_ids):
    """Retire the pages that show these posts' comments or their number, and the site's
    comment stream (/comments/ and the comment feeds), when the transaction commits; and give
    the posts a new comments_version now, in the transaction that changed their comments (a
    reader who sees the change sees the new version with it)."""
    post_ids = set(post_ids)
    Post.objects.filter(pk__in=post_ids).update_quietly(comments_version=F("comments_version") + 1)
    retire("comments", *(comments_cache_key(pk) for pk in post_ids))


class Post(models.Model):
    class Status(models.TextChoices):
        """What is stored. A scheduled post is PUBLISHED with a time to come: it goes live at
        that time with no job to run (see PostQuerySet.readable)."""

        DRAFT = "draft", "Draft"
        PENDING = "pending", "Pending review"
        PUBLISHED = "published", "Published"
        UNLISTED = "unlisted", "Unlisted"

    class State(models.TextChoices):
        """What an author chooses and sees: the status, with Scheduled told apart."""

        DRAFT = "draft", "Draft"
        PENDING = "pending", "Pending review"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"
        UNLISTED = "unlisted", "Unlisted"

    class Kind(models.TextChoices):
        POST = "post", "Post"
        PAGE = "page", "Page"

    class Markup(models.TextChoices):
        MARKDOWN = "markdown", "Markdown"
        HTML = "html", "HTML (paragraphs at blank lines, as WordPress and blosxom wrote it)"

    title = models.CharField(
        max_length=300,
        blank=True,
        help_text="May be left empty, as in a diary: the date and the footer carry the post.",
    )
    first_words = models.CharField(
        max_length=300,
        blank=True,
        editable=False,
        help_text="A post without a title: the first words of its text, its name in links.",
    )
    slug = models.SlugField(
        max_length=200,
        blank=True,
        allow_unicode=True,
        help_text="Part of the permanent link; made from the title when left empty.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts"
    )
    kind = models.CharField(max_length=4, choices=Kind.choices, default=Kind.POST, editable=False)
    path = models.ForeignKey(
        Path, null=True, blank=True, on_delete=models.PROTECT, related_name="posts"
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        limit_choices_to={"kind": "page"},
        help_text="The page this one is below: its address is the parent's plus its slug.",
    )
    page_path = models.CharField(
        max_length=500, blank=True, editable=False, help_text="A page's address: about/team."
    )
    menu_order = models.IntegerField(
        default=0, help_text="Pages: the site navigation lists lower numbers first."
    )
    pinned = models.BooleanField(
        default=False, help_text="Shown at the top of the front page (WordPress: sticky)."
    )
    guid = models.CharField(
        max_length=500,
        blank=True,
        editable=False,
        help_text="The id feeds give it, kept from the blog it was imported from.",
    )
    tags = TaggableManager(through=TaggedPost, blank=True)
    body = models.TextField(
        blank=True,
        max_length=POST_BODY_MAX_CHARS,
        help_text="Markdown. Put the line &lt;!--more--&gt; after the excerpt.",
    )
    body_html = models.TextField(blank=True, editable=False)
    excerpt_html = models.TextField(blank=True, editable=False)
    body_text = models.TextField(
        blank=True, editable=False, help_text="The rendered body as plain text, for search."
    )
    search_vector = SearchVectorField(null=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        default=timezone.now,
        db_index=True,
        validators=[validate_within_calendar],
        help_text="Scheduled: when it goes live. Published: its date.",
    )
    pub_date = models.DateField(editable=False, help_text="Day of publication, site time zone.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    allow_comments = models.BooleanField(default=True)
    markup = models.CharField(max_length=10, choices=Markup.choices, default=Markup.MARKDOWN)
    summary = models.TextField(
        blank=True,
        max_length=POST_BODY_MAX_CHARS,
        help_text="Optional: shown in listings instead of the part before the marker.",
    )
    import_key = models.CharField(
        max_length=300, blank=True, editable=False, help_text="Where an imported post came from."
    )
    comment_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Approved comments; kept by the comments app."
    )
    # One more at every change to the post's comments or to what their threads show
    # (retire_comments_of): the comments app keeps a page of threads in the cache under it.
    comments_version = models.PositiveIntegerField(default=0, editable=False)
    review_note = models.TextField(
        blank=True,
        max_length=5000,
        help_text="From an editor to the author, when sending a post back to Draft.",
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who saved this version.",
    )

    objects = PostManager()

    class Meta:
        ordering = ["-published_at", "-id"]
        get_latest_by = "published_at"
        constraints = [
            models.UniqueConstraint(fields=["pub_date", "slug"], name="unique_slug_per_day"),
            models.UniqueConstraint(
                fields=["import_key"], condition=~Q(import_key=""), name="unique_post_import_key"
            ),
            models.UniqueConstraint(
                fields=["page_path"], condition=Q(kind="page"), name="unique_page_address"
            ),
            models.CheckConstraint(
                condition=Q(kind="page") | Q(path__isnull=False), name="post_has_a_path"
            ),
        ]
        indexes = [
            # Every listing orders by (published_at, id), newest first.
            models.Index(fields=["status", "-published_at", "-id"], name="post_listing"),
            models.Index(
                fields=["path", "status", "-published_at", "-id"], name="post_path_listing"
            ),
            models.Index(
                fields=["author", "status", "-published_at", "-id"], name="post_author_listing"
            ),
            # The front page's pinned posts: few, found without walking the listing.
            models.Index(fields=["-published_at"], condition=Q(pinned=True), name="post_pinned"),
        ]

    def __str__(self):
        return self.display_title

    def save(self, *args, **kwargs):
        if not self._state.adding and kwargs.get("update_fields") is None:
            # The comments app keeps comment_count and comments_version; a post saved from an
            # older copy must not write back what it loaded (an older version would bring
            # back the threads cached under it).
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in KEPT_BY_COMMENTS
            ]
        # An import may bring any date: keep it inside the calendar (see EARLIEST).
        self.published_at = min(max(self.published_at, EARLIEST), LATEST)
        with transaction.atomic():
            stored = Post.objects.filter(pk=self.pk).first() if self.pk else None
            if stored is not None:
                self._keep_previous_version(stored)
            self._save_with_free_slug(*args, **kwargs)
            self.note_pictures_shown()
            if stored is not None:
                self._keep_former_address(stored)
                if self.is_page and stored.page_path != self.page_path:
                    for page in self.descendant_pages():  # their addresses move with it
                        page.save()
            refresh_search_vectors_on_commit([self.pk])
            retire(*self.retired_by_save(stored))
            from ..outbound import post_saved  # (it imports this module)

            post_saved(self, stored)

    def get_absolute_url(self):
        # A listing asks each post for its address several times: reverse it once per
        # (day, slug), which is all it depends on.
        day, slug = self.pub_date, self.slug
        if self.kind == self.Kind.PAGE:
            day, slug = None, self.page_path
        remembered = self.__dict__.get("_url")
        if remembered is None or remembered[0] != (day, slug):
            if self.kind == self.Kind.PAGE:
                url = reverse("blog:path-detail", kwargs={"path": self.page_path})
            else:
                url = reverse("blog:post-detail", kwargs=self.permalink_kwargs)
            self.__dict__["_url"] = remembered = ((day, slug), url)
        return remembered[1]

    @classmethod
    def from_db(cls, db, field_names, values):
        post = super().from_db(db, field_names, values)
        depends_on(post.cache_key)  # the page being rendered shows this post
        return post

    @property
    def cache_key(self):
        """The page cache's key for every page that shows this post (pagecache)."""
        return post_cache_key(self.pk)

    # What moves a post between listings, changes counts, the sidebar, the navigation or
    # other posts' pages (neighbours, addresses): a change to any of them retires every page.
    PLACEMENT_FIELDS = frozenset(
        {"slug", "author_id", "kind", "path_id", "parent_id", "page_path", "menu_order"}
        | {"pinned", "status", "published_at", "pub_date"}
    )

    def retired_by_save(self, stored):
        """The page-cache keys a save retires: this post's pages, and the search results it
        may now be in or out of; every page when it moved or a page's title (navigation)
        changed."""
        keys = [self.cache_key, "search"]
        if stored is not None and stored.display_title != self.display_title:
            keys.append(titles_cache_key(self.pub_date.year))
        if (
            stored is None
            or any(getattr(stored, name) != getattr(self, name) for name in self.PLACEMENT_FIELDS)
            or (self.is_page and stored.title != self.title)
        ):
            keys.append("posts")
        return keys

    def feed_id(self, host):
        """The id feeds give this post: the one its old blog's feed gave it (a subscriber's
        reader does not show the whole blog as new after the move), else a tag: URI (RFC 4151)
        that survives a change of slug or path."""
        return self.guid or f"tag:{host},{self.pub_date.isoformat()}:post:{self.pk}"

    @property
    def is_page(self):
        return self.kind == self.Kind.PAGE

    def clean(self):
        super().clean()
        if not (self.title.strip() or self.body.strip()):
            kind = "page" if self.is_page else "post"
            raise ValidationError(
                f"A {kind} needs a title or a body: write at least one of them.", code="empty"
            )
        if self.kind == self.Kind.POST and self.parent_id is not None:
            raise ValidationError({"parent": "Only pages are placed below another page."})
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.kind != self.Kind.PAGE:
                raise ValidationError({"parent": "A page is placed below another page."})
            if self.pk and ancestor.pk == self.pk:
                raise ValidationError({"parent": "A page cannot be placed below itself."})
            ancestor = ancestor.parent

    def page_address(self, slug):
        """The address a page with `slug` would have below its parent: about/team."""
        prefix = f"{self.parent.page_path}/" if self.parent_id else ""
        return f"{prefix}{slug}"[:500]

    def descendant_pages(self):
        """Pages below this one, however deep, parents before children."""
        found, level = [], list(Post.objects.pages().filter(parent=self))
        while level:
            found += level
            level = list(Post.objects.pages().filter(parent__in=level))
        return found

    @property
    def permalink_kwargs(self):
        """What names this post in its URLs (the permalink and the pages below it)."""
        day = self.pub_date
        return {"year": day.year, "month": day.month, "day": day.day, "slug": self.slug}

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            retire()
            from ..outbound import post_deleting  # (it imports this module)

            post_deleting(self)
            return super().delete(*args, **kwargs)

    def _keep_previous_version(self, stored):
        """A revision of the stored title and body, when this save really changes either (not
        when only line endings or trailing white space differ: a browser sends CRLF)."""
        if comparable_text(stored) != comparable_text(self):
            PostRevision.objects.create(
                post=self,
                title=stored.title,
                body=stored.body,
                edited_by_id=stored.edited_by_id,
                edited_at=stored.updated_at,
            )

    def _keep_former_address(self, stored):
        """An address readers may have seen (the post was published) keeps answering, with a
        301 to the new one, after the slug or the date changes (blog.middleware)."""
        if stored.is_reachable and stored.get_absolute_url() != self.get_absolute_url():
            LegacyUrl.objects.update_or_create(
                old_url=unquote(stored.get_absolute_url()), defaults={"post": self}
            )

    def _save_with_free_slug(self, *args, **kwargs):
        self.pub_date = timezone.localdate(self.published_at)
        base = self.slug or slug_of(self.title or opening(self.body)) or self.kind
        for _attempt in range(5):
            self.slug = unique_slug(base, self._slug_is_taken)
            if self.is_page:
                self.page_path = self.page_address(self.slug)
            self.render()
            self.first_words = "" if self.title else opening(self.body_text)
            try:
                # A savepoint: losing a race for the slug leaves the outer transaction usable.
                with transaction.atomic():
                    return super().save(*args, **kwargs)
            except IntegrityError:
                if not self._slug_is_taken(self.slug):
                    raise
                kwargs.pop("force_insert", None)
        raise IntegrityError(f"No free slug for {base!r} on {self.pub_date} after 5 attempts.")

    def _slug_is_taken(self, slug):
        others = Post.objects.exclude(pk=self.pk)
        if others.filter(pub_date=self.pub_date, slug=slug).exists():
            return True
        if not self.is_page:
            return False
        # A page's address must be its own and lead to it (not to /tags/, /feed/, /2014/…).
        address = self.page_address(slug)
        return others.pages().filter(page_path=address).exists() or not is_reachable(f"/{address}")

    @property
    def is_published(self):
        """The instance twin of PostQuerySet.published()."""
        return self.status == self.Status.PUBLISHED and self.published_at <= timezone.now()

    @property
    def is_scheduled(self):
        """The instance twin of PostQuerySet.scheduled()."""
        return self.status == self.Status.PUBLISHED and self.published_at > timezone.now()

    @property
    def display_title(self):
        """The title, or the first words of the text of a post without one."""
        return self.title or self.first_words

    @property
    def gallery_title(self):
        """The gallery page's heading: “Pictures of “Harbour””, but a title that says so
        already (“Pictures of the harbour”) as it is."""
        if re.match(r"(pictures|photos|images)\b", self.display_title, re.IGNORECASE):
            return self.display_title
        return f"Pictures of “{self.display_title}”"

    @property
    def thumbnails(self):
        """The pictures to show as thumbnails under the text: all of several, the one picture
        only when the text does not show it already."""
        pictures = list(self.images.all())
        if len(pictures) == 1 and pictures[0].display.url in self.body_html:
            return []
        return pictures

    @property
    def tag_list(self):
        """The tags in the order the author gave them (taggit's through rows are numbered in
        the order they were added)."""
        return [item.tag for item in self.tagged_items.all()] if self.pk else []

    @property
    def has_excerpt(self):
        return bool(self.excerpt_html)

    @property
    def is_reachable(self):
        """The instance twin of PostQuerySet.reachable(): answers at its address."""
        return self.is_published or self.status == self.Status.UNLISTED

    @property
    def current_state(self):
        """Its Post.State: the stored status, with Scheduled told apart from Published."""
        if self.is_scheduled:
            return self.State.SCHEDULED
        return self.State(self.status)

    @property
    def state(self):
        """What readers can see of it, in words: Draft, Pending review, Scheduled…"""
        return self.current_state.label

    @property
    def word_count(self):
        return len(MORE_MARKER.sub(" ", self.body).split())

    @property
    def reading_minutes(self):
        return max(1, math.ceil(self.word_count / WORDS_PER_MINUTE))

    def share_token(self):
        """A signed token that shows this post, unpublished, to whoever holds the link."""
        return signing.dumps(self.pk, salt=SHARE_SALT)

    def get_share_url(self):
        return reverse("blog:shared-draft", kwargs={"token": self.share_token()})

    @property
    def comments_are_open(self):
        """The instance twin of PostQuerySet.open_for_comments()."""
        days = settings.COMMENTS_CLOSE_AFTER_DAYS
        if not (self.is_published and self.allow_comments):
            return False
        return days is None or self.published_at > timezone.now() - datetime.timedelta(days=days)

    def render(self):
        """Fill the derived fields (day, HTML) from the fields an author writes."""
        self.pub_date = timezone.localdate(self.published_at)
        pictures = {image.pk: image.as_picture() for image in self.pictures_to_show()}
        rendered = render_post(
            self.body,
            id_prefix=f"{self.pub_date:%Y%m%d}-{self.slug}-",
            pictures=pictures,
            markup=self.markup,
            summary=self.summary,
        )
        self.body_html, self.excerpt_html = rendered.html, rendered.excerpt_html
        self.body_text = plain_text(rendered.html)

    def pictures_to_show(self):
        """Its own pictures and those its text refers to by number that its author may use
        (see PostImageQuerySet.usable_by); what the text shows is noted in `shown_ids`."""
        numbers = referenced_picture_ids(self.body, self.summary)
        own = list(self.images.all()) if self.pk else []
        others = set(numbers).difference(image.pk for image in own)
        if others:
            author = self.author if self.author_id else None
            own += PostImage.objects.usable_by(author).filter(pk__in=others)
        self.shown_ids = [image.pk for image in own if image.pk in numbers]
        return own

    def note_pictures_shown(self):
        """Keep which pictures the text shows (the media library's "used in")."""
        if getattr(self, "shown_ids", None) is not None:
            self.pictures_shown.set(self.shown_ids)

    def refresh_html(self):
        """Render again and store just the HTML (after its pictures changed)."""
        self.render()
        Post.objects.filter(pk=self.pk).update_quietly(
            body_html=self.body_html, excerpt_html=self.excerpt_html, body_text=self.body_text
        )
        self.note_pictures_shown()
        refresh_search_vectors_on_commit([self.pk])
        retire(self.cache_key, "search")  # the pages that show this post, no other

    def get_gallery_url(self):
        return reverse("blog:post-gallery", kwargs=self.permalink_kwargs)

    def get_day_url(self):
        """The archive of the day this post was published."""
        day = self.pub_date
        return reverse(
            "blog:day-archive", kwargs={"year": day.year, "month": day.month, "day": day.day}
        )

    def related_posts(self, limit=6):
        """Other published posts sharing the most tags (ties: newer first), each with
        `shared_tags`. Uses the post's prefetched tags (see related_posts_of)."""
        return related_posts_of([self], limit=limit)[self.pk]

    def neighbour(self, *, newer):
        """The next newer (or older) published post, or None."""
        # A range on published_at plus the tie on id, so the (status, published_at, id) index
        # is walked from this post and stops at the first row (an OR would scan the table).
        if newer:
            posts = Post.objects.filter(published_at__gte=self.published_at).exclude(
                published_at=self.published_at, id__lte=self.id
            )
            order = ("published_at", "id")
        else:
            posts = Post.objects.filter(published_at__lte=self.published_at).exclude(
                published_at=self.published_at, id__gte=self.id
            )
            order = ("-published_at", "-id")
        return posts.published().order_by(*order).only(*LINK_FIELDS).first()


def related_posts_of(posts, *, limit=RELATED_ON_LISTINGS):
    """{post id: its related posts} for every post of a page, in one query however many
    posts: other published posts sharing the most of its tags (ties: newer first), each with
    `shared_tags`. Uses the posts' prefetched tags (PostQuerySet.with_tags).

    Which posts they are is kept until the next change of posts, paths, tags or people
    (pagecache.cached_until_change): finding them is most of the cost of a listing. What their
    links show is read afresh each time, in the one query (by id)."""
    tags_of = {post.pk: post.tag_list for post in posts}
    found = {}

    def ranking():
        found.update(find_related_posts(posts, limit=limit))
        return {
            pk: [(other.pk, {tag.pk for tag in other.shared_tags}) for other in others]
            for pk, others in found.items()
        }

    name = sorted((pk, [tag.pk for tag in tags]) for pk, tags in tags_of.items())
    ranked = cached_until_change(f"related-posts:{limit}:{name}", ranking)
    if found:  # found just now, links and all
        return found
    ids = {other for others in ranked.values() for other, _shared in others}
    links = Post.objects.published().only(*LINK_FIELDS).in_bulk(ids) if ids else {}
    related = {}
    for pk, others in ranked.items():
        related[pk] = []
        for other, shared in others:
            if other in links:
                link = copy.copy(links[other])  # each entry shares its own tags with it
                link.shared_tags = [tag for tag in tags_of[pk] if tag.pk in shared]
                related[pk].append(link)
    return related


def find_related_posts(posts, *, limit):
    """related_posts_of() from the database.

    Candidates are the RELATED_CANDIDATES newest posts of each tag, read from the (tag, post)
    index: a tag on 20,000 posts costs the same as one on 20."""
    tags_of = {post.pk: post.tag_list for post in posts}
    tag_ids = sorted({tag.pk for tags in tags_of.values() for tag in tags})
    if not tag_ids:
        return {pk: [] for pk in tags_of}
    newest = [
        TaggedPost.objects.filter(tag=tag_id)
        .order_by("-content_object_id")
        .values("content_object_id")[:RELATED_CANDIDATES]
        for tag_id in tag_ids
    ]
    if connection.features.supports_slicing_ordering_in_compound:
        # One UNION ALL of index-only scans: PostgreSQL plans it in a few milliseconds.
        candidates = Q(pk__in=newest[0].union(*newest[1:], all=True))
    else:
        candidates = Q()
        for ids in newest:
            candidates |= Q(pk__in=ids)
    # The candidates' (tag, post) rows, each with what a link to the post needs: one query.
    # In the model's field order, as Model.from_db() reads the values of a partial row.
    wanted = {"id", *LINK_FIELDS}
    fields = tuple(f.attname for f in Post._meta.concrete_fields if f.attname in wanted)
    rows = TaggedPost.objects.filter(
        tag__in=tag_ids, content_object__in=Post.objects.published().filter(candidates)
    ).values_list("tag_id", *(f"content_object__{name}" for name in fields))
    posts_with, link_values = defaultdict(set), {}
    pk_at = fields.index("id")
    for tag_id, *values in rows:
        posts_with[tag_id].add(values[pk_at])
        link_values[values[pk_at]] = values
    published_at = {pk: values[fields.index("published_at")] for pk, values in link_values.items()}
    related = {}
    for pk, tags in tags_of.items():
        shared = Counter(other for tag in tags for other in posts_with[tag.pk] if other != pk)
        ranked = sorted(shared, key=lambda other: (shared[other], published_at[other], other))
        related[pk] = [Post.from_db(rows.db, fields, link_values[o]) for o in ranked[::-1][:limit]]
        for post in related[pk]:
            post.shared_tags = [tag for tag in tags if post.pk in posts_with[tag.pk]]
    return related


class VectorRefresh:
    """The posts whose search vectors a transaction made stale (text or tags changed), refreshed
    once when it commits: an admin save changes the text, the tags (twice: removed, then added)
    and the pictures, and the vector is computed once."""

    def __init__(self, post_ids):
        self.post_ids = set(post_ids)

    def merge(self, other):
        self.post_ids |= other.post_ids

    def __call__(self):
        Post.objects.filter(pk__in=self.post_ids).refresh_search_vectors()


def refresh_search_vectors_on_commit(post_ids):
    once_on_commit(VectorRefresh(post_ids))


def save_new_posts(posts):
    """Insert new posts (not pages) as save() would one after the other, in one statement: each
    gets the first free slug of its day (in the order given), its rendered HTML, first words
    and pictures shown, and the signals save() sends; the search vectors, the retirement and
    what other sites are told (outbound.post_saved) follow once. For imports; a clash with a
    post saved meanwhile raises IntegrityError (save() one by one then finds the next slug)."""
    from ..outbound import post_saved  # (it imports this module)

    posts = list(posts)
    for post in posts:
        if post.is_page or not post._state.adding:
            raise ValueError("save_new_posts() takes new posts, not pages.")
        post.published_at = min(max(post.published_at, EARLIEST), LATEST)
        post.pub_date = timezone.localdate(post.published_at)
    if not posts:
        return posts
    days = {post.pub_date for post in posts}
    taken = set(Post.objects.filter(pub_date__in=days).values_list("pub_date", "slug"))
    using = router.db_for_write(Post)
    for post in posts:
        base = post.slug or slug_of(post.title or opening(post.body)) or post.kind
        post.slug = unique_slug(base, lambda slug, day=post.pub_date: (day, slug) in taken)
        taken.add((post.pub_date, post.slug))
        post.render()
        post.first_words = "" if post.title else opening(post.body_text)
        signals.pre_save.send(
            sender=Post, instance=post, raw=False, using=using, update_fields=None
        )
    with transaction.atomic(using=using):
        Post.objects.bulk_create(posts)
        for post in posts:
            if post.shown_ids:
                post.note_pictures_shown()
            signals.post_save.send(
                sender=Post, instance=post, created=True, update_fields=None, raw=False, using=using
            )
            post_saved(post, None)
        refresh_search_vectors_on_commit([post.pk for post in posts])
        retire()
    return posts


def next_change_by_clock():
    """When a page next changes with no write (a scheduled post coming out, a post's comments
    closing), in seconds since the epoch; None when nothing is due (PAGE_CACHE_NEXT_CHANGE)."""
    moments = [Post.objects.scheduled().aggregate(next=Min("published_at"))["next"]]
    days = settings.COMMENTS_CLOSE_AFTER_DAYS
    if days is not None:
        oldest = Post.objects.open_for_comments().aggregate(oldest=Min("published_at"))["oldest"]
        moments.append(oldest and oldest + datetime.timedelta(days=days))
    moments = [moment for moment in moments if moment is not None]
    return min(moments).timestamp() if moments else None


def post_from_share_token(token):
    """The post a share token names. Raises signing.SignatureExpired when it is older than
    BLOG_SHARE_DRAFT_DAYS, signing.BadSignature when it was altered, Post.DoesNotExist."""
    max_age = datetime.timedelta(days=settings.BLOG_SHARE_DRAFT_DAYS)
    pk = signing.loads(token, salt=SHARE_SALT, max_age=max_age)
    return Post.objects.select_related("author", "path").with_tags().get(pk=pk)


class PageManager(PostManager):
    def get_queryset(self):
        return super().get_queryset().filter(kind=Post.Kind.PAGE)


class Page(Post):
    """A page (About, Contact…) as the admin edits it: a post of kind "page", with permissions
    of its own."""

    objects = PageManager()

    class Meta:
        proxy = True

    def save(self, *args, **kwargs):
        self.kind = Post.Kind.PAGE
        return super().save(*args, **kwargs)


class PostRevision(models.Model):
    """A version of a post's title and body, kept when a later save changed them."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_at = models.DateTimeField(help_text="When this version was saved.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-edited_at", "-id"]
        indexes = [models.Index(fields=["post", "-edited_at"], name="revision_history")]

    def __str__(self):
        return f"{self.title} as of {self.edited_at:%Y-%m-%d %H:%M}"


def comparable_text(post):
    """A post's title and body as far as a reader can tell them apart: line endings made one,
    white space around the title and at the end of the body left out."""
    body = post.body.replace("\r\n", "\n").replace("\r", "\n")
    return post.title.strip(), body.rstrip()


def version_diff(older, newer):
    """A readable diff from `older` to `newer` (title, then body): (kind, text) pairs, where
    kind is added, removed, same (context) or gap (unchanged lines left out)."""
    old_lines = [f"# {older.title}", "", *older.body.splitlines()]
    new_lines = [f"# {newer.title}", "", *newer.body.splitlines()]
    kinds = {"+": "added", "-": "removed", " ": "same"}
    rows = []
    for line in difflib.unified_diff(old_lines, new_lines, lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        rows.append(("gap", "…") if line.startswith("@@") else (kinds[line[0]], line[1:]))
    return rows


class LegacyUrl(models.Model):
    """An address a post had on the blog it was imported from; it answers 301 to the post."""

    old_url = models.CharField(max_length=500, unique=True, help_text="Path and query, e.g. /?p=12")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="legacy_urls")

    def __str__(self):
        return self.old_url


class TagRedirect(models.Model):
    """Another slug a tag had on the blog it was imported from (WordPress gives "markup-2" to a
    tag named as a category; here they are one tag): /tag/<slug>/ still finds it."""

    old_slug = models.CharField(max_length=200, unique=True)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+")

    def __str__(self):
        return self.old_slug
