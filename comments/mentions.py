"""Webmentions received (https://www.w3.org/TR/webmention/): another site's post that links to
one of ours, verified, parsed for who wrote it and what it is (a reply, a like, a repost or a
mention), and moderated like a comment before readers see it. Receiving and verifying are in
comments/webmention.py."""

import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from blog.models import Post, retire_comments_of

from .models import Comment, ModerationRule


class MentionQuerySet(models.QuerySet):
    def shown(self):
        """What readers see: verified at the source and approved by a moderator (or the rules)."""
        return self.filter(state=Mention.State.VERIFIED, status=Comment.Status.APPROVED)

    def held(self):
        return self.filter(state=Mention.State.VERIFIED, status=Comment.Status.PENDING)


def new_token():
    return secrets.token_urlsafe(18)


FETCH_FAILED = "The source could not be fetched"


class Mention(models.Model):
    class Kind(models.TextChoices):
        REPLY = "reply", "Reply"
        LIKE = "like", "Like"
        REPOST = "repost", "Repost"
        MENTION = "mention", "Mention"

    class State(models.TextChoices):
        QUEUED = "queued", "Received, awaiting verification"
        VERIFIED = "verified", "Verified: the source links to the target"
        FAILED = "failed", "Not verified"
        DELETED = "deleted", "Deleted at the source"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    source = models.URLField(max_length=500)
    target = models.URLField(max_length=500)
    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    reason = models.CharField(max_length=300, blank=True, help_text="Why it is not verified.")
    status = models.CharField(
        "moderation",
        max_length=10,
        choices=Comment.Status.choices,
        default=Comment.Status.PENDING,
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MENTION)
    author_name = models.CharField(max_length=100, blank=True)
    author_url = models.URLField(max_length=500, blank=True)
    author_photo = models.URLField(max_length=500, blank=True)
    content = models.TextField(blank=True, help_text="The text, as the source has it.")
    content_html = models.TextField(blank=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField(null=True, blank=True)
    ip_address = models.GenericIPAddressField("sent from", null=True, blank=True)

    objects = MentionQuerySet.as_manager()

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["post", "source"], name="unique_mention_source"),
        ]
        indexes = [models.Index(fields=["post", "state", "status"], name="mention_shown")]

    def __str__(self):
        return f"{self.get_kind_display()} from {self.source}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        retire_comments_of([self.post_id])  # the post's page shows it (or stops showing it)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        retire_comments_of([self.post_id])
        return result

    @property
    def public_reason(self):
        """The reason as the public status page tells it: why a fetch failed stays in the
        admin (what an address resolves to, which ports answer: nothing to hand an outsider
        probing the network through this endpoint)."""
        if self.reason.startswith(FETCH_FAILED):
            return FETCH_FAILED + "."
        return self.reason

    def get_status_url(self):
        return reverse("comments:webmention-status", kwargs={"token": self.token})

    @property
    def name(self):
        """Who to name it by: the author, else the source's host."""
        return self.author_name or urlsplit(self.source).hostname

    @property
    def link(self):
        """Where the name links: the author's page, else the source."""
        return self.author_url or self.source

    # What the moderators' rules read (ModerationRule.matches), as a comment has them.
    author_email = ""

    @property
    def body(self):
        return f"{self.source} {self.content}"

    def moderate(self, *, unchanged=False):
        """The moderation status of a mention just verified: the moderators' rules and the
        site's policy, as for comments; "first time" trusts an author a mention of whose was
        approved before, and holds everyone else. unchanged: the source says what it said when
        this mention was approved (an update with new words is moderated like a new mention:
        approving something harmless must not let its source swap in anything else)."""
        rules = list(ModerationRule.objects.all())
        if any(rule.matches(self) for rule in rules if rule.action == ModerationRule.Action.REJECT):
            self.status = Comment.Status.SPAM
        elif any(rule.matches(self) for rule in rules):
            self.status = Comment.Status.PENDING
        elif self.status == Comment.Status.APPROVED and unchanged:
            return  # sent again, saying the same: stays approved
        elif settings.COMMENTS_MODERATION == "none":
            self.status = Comment.Status.APPROVED
        elif settings.COMMENTS_MODERATION == "all" or not self.author_url:
            self.status = Comment.Status.PENDING
        else:
            known = Mention.objects.shown().filter(author_url=self.author_url)
            is_known = known.exclude(pk=self.pk).exists()
            self.status = Comment.Status.APPROVED if is_known else Comment.Status.PENDING
