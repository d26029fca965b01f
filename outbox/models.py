"""The outbox: every mail the site sends is a Delivery row first, then a task of the background
queue. django-tasks runs a task once and keeps no retries, so this layer does: a delivery that
fails (the mail server refuses or is down) is tried again after a growing delay, and after
OUTBOX_MAX_ATTEMPTS it stays here as failed, listed in the admin, which can send it again.

A site-wide piece, like the page cache: it imports none of the project's apps."""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import models
from django.utils import timezone

logger = logging.getLogger(__name__)


class DeliveryQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=Delivery.Status.PENDING)

    def overdue(self):
        """Pending, and their next attempt long past: their task was lost (a worker killed
        hard in the middle of one); the daily sweep queues them again."""
        since = timezone.now() - datetime.timedelta(hours=1)
        return self.pending().filter(next_attempt_at__lt=since)


def retry_delay(attempts):
    """How long to wait after the `attempts`-th failure: OUTBOX_RETRY_SECONDS, then four
    times longer after each further failure (1 min, 4 min, 16 min, ~1 h, ~4 h by default)."""
    return datetime.timedelta(seconds=settings.OUTBOX_RETRY_SECONDS * 4 ** (attempts - 1))


class Delivery(models.Model):
    """One mail to one address: what, to whom, how many tries, when the next, the last error."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (gave up)"

    kind = models.CharField(max_length=50, help_text="What this mail is about.")
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self):
        return f"{self.kind} to {self.to}"

    def message(self):
        message = EmailMultiAlternatives(
            self.subject, self.text, None, [self.to], headers=self.headers
        )
        if self.html:
            message.attach_alternative(self.html, "text/html")
        return message

    def attempt(self):
        """Send it once; on failure, note the error and when to try again (or give up)."""
        self.attempts += 1
        try:
            self.message().send()
        except Exception as error:
            logger.warning("Delivery %s failed (attempt %s): %s", self.pk, self.attempts, error)
            self.last_error = f"{type(error).__name__}: {error}"[:2000]
            if self.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                self.status = self.Status.FAILED
            else:
                self.next_attempt_at = timezone.now() + retry_delay(self.attempts)
        else:
            self.status, self.sent_at = self.Status.SENT, timezone.now()
        self.save(update_fields=["attempts", "status", "last_error", "next_attempt_at", "sent_at"])
