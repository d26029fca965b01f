import logging
import re

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.core.validators import URLValidator
from django.db import models, transaction
from django.db.models import Count, F, Func, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from blog.markup import COMMENT_BODY_MAX_CHARS, comment_excerpt, plain_text, render_comment
from blog.models import Post, retire_comments_of
from blog.websub import feed_urls, feeds_changed

from .subscriptions import Announcement, NoticePreference, Subscription  # noqa: F401

logger = logging.getLogger(__name__)
LINK = re.compile(r"<a\s", re.IGNORECASE)


CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")


def one_line(text):
    """`text` with line breaks and other control characters made into spaces."""
    return CONTROL_CHARACTERS.sub(" ", text).strip()


class Rejected(Exception):
    """A comment refused outright; nothing is stored."""


class CommentQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Comment.Status.APPROVED)

    def held(self):
        """Awaiting moderation."""
        return self.filter(status=Comment.Status.PENDING)

    def public(self):
        """What any reader may see anywhere: approved, on a published post."""
        return self.approved().on_published_posts()

    def visible_to(self, held_ids):
        """Approved comments, plus the held ones whose ids this reader's cookie names."""
        return self.approved() | self.held().filter(pk__in=held_ids)

    def awaiting(self, moderator):
        """Held comments this moderator may act on: all for editors, their own posts' else."""
        held = self.held()
        return held if moderator.is_editor else held.filter(post__author=moderator)

    def recent(self):
        return self.order_by("-created_at", "-id")

    def top_level(self):
        return self.filter(parent=None)

    def in_thread_order(self):
        """Threads as pages show them: oldest or newest first (COMMENTS_ORDER)."""
        if settings.COMMENTS_ORDER == "newest":
            return self.order_by("-created_at", "-id")
        return self.order_by("created_at", "id")

    def before(self, created_at, pk):
        """The comments that come before the one made at `created_at` with id `pk`, in
        thread order."""
        if settings.COMMENTS_ORDER == "newest":
            return self.filter(Q(created_at__gt=created_at) | Q(created_at=created_at, pk__gt=pk))
        return self.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk))

    def thread(self, post, held_ids=()):
        """Every comment of `post` a reader may see, threaded (see thread_page); one query."""
        return self.thread_page(post, 1, held_ids, per_page=0).object_list

    def thread_page(self, post, number, held_ids=(), *, per_page=None):
        """Page `number` of the threads of `post` a reader may see: a Page of top-level
        comments, each with `thread_replies` (nested the same way), COMMENTS_THREADS_PER_PAGE
        threads a page (0: all). Two queries (one when all are on one page), whatever the
        number of comments; raises EmptyPage or PageNotAnInteger for a page that is not there."""
        per_page = threads_per_page(post) if per_page is None else per_page
        visible = self.filter(post=post).visible_to(held_ids)
        if not per_page:
            comments = list(visible.order_by("created_at", "id"))
            top = threaded(comments)
            return Paginator(top, max(len(top), 1)).page(number)
        roots = visible.top_level().in_thread_order()
        paginator = Paginator(roots, per_page)
        number = paginator.validate_number(number)
        bottom = (number - 1) * per_page
        on_page = roots.values("pk")[bottom : bottom + per_page]
        comments = list(
            visible.filter(Q(pk__in=on_page) | Q(root__in=on_page)).order_by("created_at", "id")
        )
        return Page(threaded(comments), number, paginator)

    def with_thread_position(self):
        """Each comment with `thread_position`: how many public threads of its post come
        before its own, counted in the same query (for Comment.get_absolute_url)."""
        earlier_roots = (
            Comment.objects.approved()
            .filter(post=OuterRef("post"))
            .top_level()
            .before(OuterRef("root_time"), OuterRef("root_key"))
            .order_by()
            .annotate(count=Func(F("pk"), function="COUNT"))
            .values("count")
        )
        return self.annotate(
            root_key=Coalesce(F("root_id"), F("pk")),
            root_time=Coalesce(F("root__created_at"), F("created_at")),
            thread_position=Subquery(earlier_roots),
        )

    def on_published_posts(self):
        return self.filter(post__in=Post.objects.readable())

    def under(self, path):
        return self.filter(post__in=Post.objects.under(path))

    def set_status(self, status):
        """Change the status of every comment here, keeping their posts' counts right."""
        with transaction.atomic():
            post_ids = set(self.values_list("post_id", flat=True))
            lock_posts(post_ids)
            approved = Comment.Status.APPROVED
            comment_feeds_changed(
                post_ids if status == approved else self.approved().values("post")
            )
            newly_approved = (
                list(self.exclude(status=status).select_related(None).only("pk", "created_at"))
                if status == approved
                else []
            )
            changed = self.update(status=status)
            refresh_comment_counts(post_ids)
            announce_approved(newly_approved)
        return changed

    def delete(self):
        """Delete every comment here (and their replies), keeping their posts' counts right
        (the admin's "delete selected" comes here, not through Comment.delete)."""
        with transaction.atomic():
            post_ids = set(self.values_list("post_id", flat=True))
            lock_posts(post_ids)
            comment_feeds_changed(self.approved().values("post"))
            deleted = super().delete()
            refresh_comment_counts(post_ids)
        return deleted


def threaded(comments):
    """Top-level comments among `comments` (in created order), in thread order, each with
    `thread_replies`. A thread deeper than COMMENTS_MAX_DEPTH (imported ones can be) is shown
    flattened at that depth: a reply hangs under its nearest ancestor that is shallower (its
    stored parent stays); a reply whose parent is not shown hangs under its thread's first."""
    by_id = {comment.pk: comment for comment in comments}
    for comment in comments:
        comment.thread_replies = []
    for comment in comments:
        if comment.parent_id is None:
            continue
        parent = by_id.get(comment.parent_id)
        while parent is not None and parent.depth >= settings.COMMENTS_MAX_DEPTH:
            parent = by_id.get(parent.parent_id)
        parent = parent or by_id.get(comment.root_id)
        if parent is not None:
            parent.thread_replies.append(comment)
    top = [comment for comment in comments if comment.parent_id is None]
    return top[::-1] if settings.COMMENTS_ORDER == "newest" else top


def lock_posts(post_ids):
    """Hold the posts' rows until the transaction ends, so that concurrent changes to their
    comments are counted one after the other (a no-op on SQLite, whose writes are serial)."""
    list(Post.objects.select_for_update().filter(pk__in=post_ids).values_list("pk"))


def refresh_comment_counts(post_ids, *, shown=True):
    """Recount the posts' approved comments; shown=False when no comment readers see changed
    (a held one came or went), so no page is retired."""
    approved = (
        Comment.objects.approved()
        .filter(post=OuterRef("pk"))
        .order_by()
        .values("post")
        .annotate(count=Count("id"))
        .values("count")
    )
    Post.objects.filter(pk__in=post_ids).update_quietly(
        comment_count=Coalesce(Subquery(approved), Value(0))
    )
    if shown:
        retire_comments_of(post_ids)


def comment_feeds_changed(post_ids):
    """Ping the WebSub hub (if any) for the comment feeds these posts' comments are in."""
    if not (settings.WEBSUB_HUB and settings.SITE_URL):
        return
    urls = feed_urls("comments:feed")
    for post in Post.objects.filter(pk__in=post_ids).select_related("path"):
        urls |= feed_urls("comments:post-feed", **post.permalink_kwargs)
        parts = post.path.full_path.strip("/").split("/")
        for depth in range(1, len(parts) + 1):
            urls |= feed_urls("comments:path-feed", path="/".join(parts[:depth]))
    feeds_changed(urls=urls)


def validate_web_url(value):
    URLValidator(schemes=["http", "https"])(value)


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting moderation"
        APPROVED = "approved", "Approved"
        SPAM = "spam", "Spam"
        REMOVED = "removed", "Removed"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    depth = models.PositiveSmallIntegerField(default=1, editable=False)
    # The top-level comment of this one's thread (none for a top-level one): a page of threads
    # fetches its replies, however deep, by it.
    root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="+", editable=False
    )
    author_name = models.CharField("name", max_length=100)
    author_email = models.EmailField("email", help_text="Never shown anywhere public.")
    author_url = models.URLField(
        "website", max_length=300, blank=True, validators=[validate_web_url]
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    body = models.TextField(max_length=COMMENT_BODY_MAX_CHARS)
    body_html = models.TextField(editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    markup = models.CharField(
        max_length=10, choices=Post.Markup.choices, default=Post.Markup.MARKDOWN, editable=False
    )
    import_key = models.CharField(max_length=300, blank=True, editable=False)
    is_by_author = models.BooleanField(
        "by an author",
        default=False,
        editable=False,
        help_text="Written while logged in as one of the site's authors (marked on the site).",
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["post", "status", "created_at"], name="comment_thread"),
            models.Index(fields=["status", "-created_at"], name="comment_recent"),
            models.Index(fields=["author_email", "status"], name="comment_by_email"),
            # The threads of a post in order, and how many come before one (its page).
            models.Index(
                fields=["post", "status", "created_at", "id"],
                condition=Q(parent=None),
                name="comment_top_level",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["import_key"], condition=~Q(import_key=""), name="unique_comment_import_key"
            ),
        ]

    def __str__(self):
        return f"Comment by {self.author_name} on {self.post_id}"

    def save(self, *args, **kwargs):
        if self.__dict__.get("_rendered_from") != (self.body, self.markup):
            self.render()
        self.depth = self.parent.depth + 1 if self.parent_id else 1
        self.root_id = (self.parent.root_id or self.parent_id) if self.parent_id else None
        stored_status = self.__dict__.get("_stored_status")
        # What readers saw of it before: nothing for a new comment, else its stored status.
        known = self._state.adding or stored_status is not None
        if self._state.adding and self.user_id:
            self.is_by_author = is_site_author(self.user, self.post)
        with transaction.atomic():
            lock_posts([self.post_id])
            if self.status == self.Status.APPROVED or self.was_approved():
                comment_feeds_changed([self.post_id])
            super().save(*args, **kwargs)
            # A comment held before and after (new, or still awaiting moderation) is on no
            # page readers share: no page is retired.
            held = known and self.Status.APPROVED not in {self.status, stored_status}
            refresh_comment_counts([self.post_id], shown=not held)
            if self.status == self.Status.APPROVED and stored_status != self.status:
                announce_approved([self], was_held=stored_status is not None)
        self._stored_status = self.status

    def get_absolute_url(self):
        return f"{self.page_url()}#comment-{self.pk}"

    def page_url(self, held_ids=()):
        """The address of the comment page this comment is on (for a reader who also sees
        the held comments `held_ids`)."""
        return comment_page_url(self.post, self.page_number(held_ids))

    def page_number(self, held_ids=()):
        """The comment page of the post this comment is on: found by counting the threads
        before its own (an index range), or from with_thread_position()."""
        per_page = threads_per_page(self.post)
        if not per_page:
            return 1
        position = None if held_ids else getattr(self, "thread_position", None)
        if position is None:
            root = self.root if self.root_id else self
            visible = Comment.objects.filter(post_id=self.post_id).visible_to(held_ids)
            position = visible.top_level().before(root.created_at, root.pk).count()
        return position // per_page + 1

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            lock_posts([self.post_id])
            if self.was_approved():
                comment_feeds_changed([self.post_id])
            result = super().delete(*args, **kwargs)
            refresh_comment_counts([self.post_id])
        return result

    def was_approved(self):
        """Whether the stored row is in the comment feeds (asked only when a hub is set)."""
        if not settings.WEBSUB_HUB or self.pk is None:
            return False
        return Comment.objects.approved().filter(pk=self.pk).exists()

    @classmethod
    def from_db(cls, db, field_names, values):
        # The status as stored: save() tells an approval from any other change.
        comment = super().from_db(db, field_names, values)
        comment._stored_status = comment.__dict__.get("status")
        return comment

    def render(self, rendered=None):
        """Fill body_html from the body. rendered: {(body, markup): what render_comment()
        made of it} for texts rendered already (an import renders in a second process)."""
        html = rendered.get((self.body, self.markup)) if rendered else None
        self.body_html = render_comment(self.body, markup=self.markup) if html is None else html
        self._rendered_from = (self.body, self.markup)

    def get_admin_url(self):
        return reverse("admin:comments_comment_change", args=[self.pk])

    @property
    def safe_url(self):
        """The website for a link: only http(s), whatever reached the database."""
        return (
            self.author_url if self.author_url.lower().startswith(("http://", "https://")) else ""
        )

    @property
    def first_lines_html(self):
        """The start of the comment as (sanitised) HTML, for the moderation list."""
        return comment_excerpt(self.body_html)

    @property
    def first_words(self):
        """The start of the comment as plain text ("A thoughtful comment…"), to name it by."""
        return Truncator(plain_text(self.body_html)).words(6)

    @property
    def is_held(self):
        """The instance twin of CommentQuerySet.held()."""
        return self.status == self.Status.PENDING

    def moderate(self, rules):
        """Set the status a new comment starts with; raise Rejected if it must not be stored."""
        if any(rule.matches(self) for rule in rules if rule.action == ModerationRule.Action.REJECT):
            raise Rejected("Your comment was not accepted.")
        if is_trusted(self.user, self.post):
            self.status = self.Status.APPROVED
        elif any(rule.matches(self) for rule in rules) or (
            len(LINK.findall(self.body_html)) > settings.COMMENTS_MAX_LINKS
        ):
            self.status = self.Status.PENDING
        elif settings.COMMENTS_MODERATION == "none":
            self.status = self.Status.APPROVED
        elif settings.COMMENTS_MODERATION == "all":
            self.status = self.Status.PENDING
        else:
            known = Comment.objects.approved().filter(author_email__iexact=self.author_email)
            self.status = self.Status.APPROVED if known.exists() else self.Status.PENDING

    def notify_post_author(self, site_url):
        """Queue the mail to the post's author about this comment (or nothing, if they chose
        a digest or no mail). Never raises: the comment is stored already."""
        from . import notices  # the mails are written there, from these models

        try:
            notices.notify_post_author(self, site_url)
        except Exception:
            logger.exception("Could not queue the notification for comment %s", self.pk)

    def attach_to(self, parent, max_depth):
        """Reply to `parent`, or to its deepest ancestor that keeps the thread `max_depth` deep."""
        while parent is not None and parent.depth >= max_depth:
            parent = parent.parent
        self.parent = parent


def announce_approved(comments, *, was_held=True):
    """Queue the mails to the followers of comments just approved (comments/notices.py)."""
    from . import notices  # the mails are written there, from these models

    if comments:
        notices.announce_comments(comments, were_held=was_held)


def is_site_author(user, post):
    """The comment's writer is the post's author or another of the site's authors (staff)."""
    return user.pk == post.author_id or user.is_staff


def threads_per_page(post):
    """Threads on a page of `post`'s comments (COMMENTS_THREADS_PER_PAGE); 0, all on one
    page, for a page (About…), whose address has no room for comment pages."""
    return 0 if post.kind == Post.Kind.PAGE else settings.COMMENTS_THREADS_PER_PAGE


def comment_page_url(post, number):
    """The address of page `number` of a post's comments: the permalink for the first."""
    if number == 1:
        return post.get_absolute_url()
    return reverse("comments:page", kwargs={**post.permalink_kwargs, "number": str(number)})


def is_trusted(user, post):
    """Comments by the post's author or an editor are published at once, whatever the policy."""
    return (
        user is not None and user.is_authenticated and (user.pk == post.author_id or user.is_editor)
    )


def what_happens_next(user, post):
    """What becomes of a comment `user` sends on `post`, and why, as Comment.moderate decides
    it (the moderators' own rules stay unsaid)."""
    links = (
        f"unless it holds more than {settings.COMMENTS_MAX_LINKS} links (links are what spam "
        "is made of): then a moderator reads it first"
    )
    if is_trusted(user, post):
        return "As the author of this post or an editor, your comment appears at once."
    if settings.COMMENTS_MODERATION == "none":
        return f"Your comment appears at once, {links}."
    if settings.COMMENTS_MODERATION == "all":
        return (
            "A moderator reads every comment before it appears, to keep spam off the site; "
            "until then only you see yours, in this browser."
        )
    return (
        "Your first comment here waits for a moderator's approval, to keep spam off the site; "
        "until then only you see it, in this browser. Once one is approved, comments from "
        f"your email address appear at once, {links}."
    )


class ModerationRule(models.Model):
    """A moderator's word or address: comments containing it are held, or refused outright."""

    class Action(models.TextChoices):
        HOLD = "hold", "Hold for moderation if it contains"
        REJECT = "reject", "Reject if it contains"

    action = models.CharField(max_length=10, choices=Action.choices)
    text = models.CharField(
        max_length=200,
        help_text="A word or phrase (any case) in the name, email, website or text, "
        "or the start of an IP address (e.g. 203.0.113.).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["action", "text"], name="unique_moderation_rule"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} “{self.text}”"

    def matches(self, comment):
        needle = self.text.casefold()
        haystack = " ".join(
            [comment.author_name, comment.author_email, comment.author_url, comment.body]
        ).casefold()
        return needle in haystack or (comment.ip_address or "").startswith(self.text)


from .mentions import Mention  # noqa: E402, F401  (a model of this app, in its own module)
