from django.db import models
from django.utils import timezone

from .posts import Post


class SentWebmention(models.Model):
    """What this site told another page its post links to (blog/webmention.py), and how it went."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="sent_webmentions")
    target = models.URLField(max_length=500)
    endpoint = models.URLField(max_length=500, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    result = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "target"], name="unique_sent_webmention"),
        ]

    def __str__(self):
        return f"{self.post_id} → {self.target}: {self.result}"
