"""Following by email: a reader's subscriptions (replies to a comment, a post's comments, new
posts under a path or anywhere), confirmed by a signed link (double opt-in), each ended by a
signed link in every mail; and a post author's choice of notices (each comment, a daily
digest, none). Mails go out through the outbox; comments/notices.py writes them."""

import datetime

from django.conf import settings
from django.core import signing
from django.db import models
from django.db.models import Q
from django.utils import timezone

from blog.models import Path, Post

CONFIRM_SALT = "subscriptions.confirm"
UNSUBSCRIBE_SALT = "subscriptions.unsubscribe"
MANAGE_SALT = "subscriptions.manage"


def confirmation_lifetime():
    return datetime.timedelta(days=settings.SUBSCRIPTIONS_CONFIRM_DAYS)


class SubscriptionQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)

    def expired(self):
        """Requests never confirmed within SUBSCRIPTIONS_CONFIRM_DAYS."""
        since = timezone.now() - confirmation_lifetime()
        return self.filter(confirmed_at__isnull=True, created_at__lt=since)

    def of(self, email):
        return self.filter(email=email.strip().lower())

    def about_comment(self, comment):
        """Confirmed subscriptions a new approved comment concerns: its post's followers and
        those who asked for replies to a comment above it in the thread."""
        ancestors, parent = [], comment.parent
        while parent is not None:
            ancestors.append(parent.pk)
            parent = parent.parent
        return self.confirmed().filter(
            Q(topic=Subscription.Topic.POST, post=comment.post_id)
            | Q(topic=Subscription.Topic.REPLIES, comment__in=ancestors)
        )

    def about_new_post(self, post):
        """Confirmed subscriptions to the whole blog or to the post's path or one above it."""
        paths = Path.objects.filter(
            full_path__in=[
                post.path.full_path[:end]
                for end in range(1, len(post.path.full_path) + 1)
                if post.path.full_path[end : end + 1] in ("", "/")
            ]
        )
        return self.confirmed().filter(
            Q(topic=Subscription.Topic.BLOG) | Q(topic=Subscription.Topic.PATH, path__in=paths)
        )


class Subscription(models.Model):
    class Topic(models.TextChoices):
        REPLIES = "replies", "Replies to a comment"
        POST = "post", "New comments on a post"
        PATH = "path", "New posts under a path"
        BLOG = "blog", "New posts anywhere on the blog"

    email = models.EmailField()
    topic = models.CharField(max_length=10, choices=Topic.choices)
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.CASCADE)
    comment = models.ForeignKey("comments.Comment", null=True, blank=True, on_delete=models.CASCADE)
    path = models.ForeignKey(Path, null=True, blank=True, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["email"], name="subscription_by_email")]
        constraints = [
            models.CheckConstraint(
                name="subscription_names_its_topic",
                condition=(
                    Q(topic="replies", comment__isnull=False)
                    | Q(topic="post", post__isnull=False)
                    | Q(topic="path", path__isnull=False)
                    | Q(topic="blog")
                ),
            ),
        ]

    def __str__(self):
        return f"{self.get_topic_display()}: {self.subject}"

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None

    @property
    def subject(self):
        """What is followed, in words."""
        if self.topic == self.Topic.REPLIES:
            return f"replies to the comment by {self.comment.author_name} on “{self.comment.post}”"
        if self.topic == self.Topic.POST:
            return f"comments on “{self.post}”"
        if self.topic == self.Topic.PATH:
            return f"new posts under {self.path.full_path}/"
        return "new posts on the blog"

    def same_as_this(self):
        """Subscriptions of the same address to the same thing (to store a request once)."""
        return Subscription.objects.filter(
            email=self.email.strip().lower(),
            topic=self.topic,
            post=self.post,
            comment=self.comment,
            path=self.path,
        )

    def confirm_token(self):
        return signing.dumps(self.pk, salt=CONFIRM_SALT)

    def unsubscribe_token(self):
        return signing.dumps(self.pk, salt=UNSUBSCRIBE_SALT)


def manage_token(email):
    """The signed key to the page listing every subscription of `email`."""
    return signing.dumps(email.strip().lower(), salt=MANAGE_SALT)


def email_of_manage_token(token):
    """The address a manage token names, or None."""
    try:
        return signing.loads(token, salt=MANAGE_SALT)
    except signing.BadSignature:
        return None


class NoticePreference(models.Model):
    """How a post author hears about comments on their posts."""

    class Notices(models.TextChoices):
        EACH = "each", "A mail for each comment"
        DIGEST = "digest", "One mail a day with the day's comments (digest)"
        NONE = "none", "No mail"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_preference"
    )
    notices = models.CharField(max_length=10, choices=Notices.choices, default=Notices.EACH)
    digest_sent_until = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.user}: {self.get_notices_display()}"

    @classmethod
    def of(cls, user):
        """The user's preference (the default, unsaved, when they never chose)."""
        return cls.objects.filter(user=user).first() or cls(user=user)


class Announcement(models.Model):
    """A comment or post whose followers were told about it: never twice."""

    comment = models.OneToOneField(
        "comments.Comment", null=True, blank=True, on_delete=models.CASCADE
    )
    post = models.OneToOneField(Post, null=True, blank=True, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="announcement_of_one_thing",
                condition=Q(comment__isnull=True, post__isnull=False)
                | Q(comment__isnull=False, post__isnull=True),
            ),
        ]

    def __str__(self):
        return f"Followers told of {self.comment or self.post}"
