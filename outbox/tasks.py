"""The outbox's tasks, and how the rest of the site hands it a mail (`post`)."""

from django.db import transaction
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from .models import Delivery


def enqueue(task_to_run, *args, at=None):
    """Queue `task_to_run(*args)`, to run from `at` on if given. On the database queue the task
    row is written in the caller's transaction, so it exists exactly when the data it is about
    does. A backend that cannot wait (ImmediateBackend, in tests) runs it at once, or drops a
    task meant for later (the daily sweep re-queues a delivery left waiting)."""
    if task_to_run.get_backend().supports_defer:
        if at is not None and at > timezone.now():
            task_to_run = task_to_run.using(run_after=at)
        return task_to_run.enqueue(*args)
    if at is None or at <= timezone.now():
        return task_to_run.enqueue(*args)
    return None


def post(*, kind, to, subject, text, html="", headers=None):
    """Hand a mail to the outbox: stored now, sent by the worker."""
    delivery = Delivery.objects.create(
        kind=kind, to=to, subject=subject, text=text, html=html, headers=headers or {}
    )
    enqueue(deliver, delivery.pk)
    return delivery


@task()
def deliver(delivery_id):
    """Try one delivery; if it failed and may be tried again, queue the next try."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().pending().filter(pk=delivery_id).first()
        if delivery is None:
            return "nothing to do"  # sent already, or given up
        delivery.attempt()
        if delivery.status == Delivery.Status.PENDING:
            enqueue(deliver, delivery.pk, at=delivery.next_attempt_at)
        return delivery.status


@task()
def sweep_overdue_deliveries():
    """Queue again the deliveries whose task was lost."""
    for delivery_id in Delivery.objects.overdue().values_list("pk", flat=True):
        deliver.enqueue(delivery_id)


def is_queued(task_to_run):
    """A run of this task is waiting in the database queue (always False on other backends)."""
    if not task_to_run.get_backend().supports_defer:
        return False
    return DBTaskResult.objects.filter(status="READY", task_path=task_to_run.module_path).exists()
