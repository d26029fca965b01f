"""The outbox: every mail leaves the request as a delivery; a failed one is tried again later
and later, then shown as failed in the admin, which can send it again."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from outbox.models import Delivery
from outbox.tasks import deliver, post
from tests.factories import make_user

pytestmark = pytest.mark.django_db
FAILING = "tests.comments.failing_mail.Backend"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def a_mail(**fields):
    return post(
        kind="test", to="rita@example.com", subject="Hello", text="Hi.", html="<p>Hi.</p>", **fields
    )


def test_a_mail_waits_in_the_queue_and_the_worker_sends_it(settings):
    settings.TASKS = DATABASE
    delivery = a_mail(headers={"List-Unsubscribe": "<https://blog.example/stop/>"})
    assert mail.outbox == []  # the request does not wait for the mail server
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "outbox.tasks.deliver" and queued.args_kwargs["args"] == [
        delivery.pk
    ]
    assert deliver.call(delivery.pk) == Delivery.Status.SENT
    [message] = mail.outbox
    assert message.alternatives[0] == ("<p>Hi.</p>", "text/html")
    assert message.extra_headers["List-Unsubscribe"] == "<https://blog.example/stop/>"
    assert deliver.call(delivery.pk) == "nothing to do"  # run twice: sent once
    assert len(mail.outbox) == 1


def test_a_failed_delivery_is_retried_later_and_later_then_given_up(settings):
    settings.TASKS = DATABASE
    settings.EMAIL_BACKEND = FAILING
    settings.OUTBOX_MAX_ATTEMPTS, settings.OUTBOX_RETRY_SECONDS = 3, 60
    delivery = a_mail()
    delays = []
    for _ in range(2):
        before = timezone.now()
        assert deliver.call(delivery.pk) == Delivery.Status.PENDING
        retry = DBTaskResult.objects.filter(status="READY").order_by("-enqueued_at").first()
        delays.append(round((retry.run_after - before).total_seconds() / 60))
    assert delays == [1, 4]  # minutes: growing
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and "the mail server is down" in delivery.last_error
    assert deliver.call(delivery.pk) == Delivery.Status.FAILED
    # The first try and two retries were queued; no fourth try after giving up.
    assert DBTaskResult.objects.filter(status="READY").count() == 3


def test_a_delivery_sent_on_its_second_try_after_an_smtp_failure(settings):
    settings.TASKS = IMMEDIATE
    settings.EMAIL_BACKEND = FAILING
    delivery = a_mail()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING and delivery.attempts == 1
    assert delivery.next_attempt_at > timezone.now()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    deliver.call(delivery.pk)  # what the worker does at next_attempt_at
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and len(mail.outbox) == 1


def test_failed_deliveries_are_listed_in_the_admin_which_can_send_them_again(client, settings):
    settings.TASKS = IMMEDIATE
    settings.EMAIL_BACKEND = FAILING
    settings.OUTBOX_MAX_ATTEMPTS = 1
    delivery = a_mail()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    client.force_login(make_user(is_staff=True, is_superuser=True))
    page = client.get("/admin/outbox/delivery/?status__exact=failed").content.decode()
    assert "Hello" in page and "Failed (gave up)" in page
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    response = client.post(
        "/admin/outbox/delivery/",
        {"action": "send_again", "_selected_action": [delivery.pk]},
        follow=True,
    )
    assert "1 mail(s) queued again" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and len(mail.outbox) == 1


def test_only_superusers_see_the_outbox(client):
    client.force_login(make_user(is_staff=True))
    assert client.get("/admin/outbox/delivery/").status_code == 403


def test_the_sweep_queues_again_a_delivery_whose_task_was_lost(settings):
    from outbox.tasks import sweep_overdue_deliveries

    settings.TASKS = DATABASE
    delivery = a_mail()
    DBTaskResult.objects.all().delete()  # a worker killed hard in the middle of it
    Delivery.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(hours=2))
    sweep_overdue_deliveries.call()
    assert DBTaskResult.objects.get().args_kwargs["args"] == [delivery.pk]


def test_email_url_file_writes_mails_to_a_folder(tmp_path):
    from config.settings import email_settings

    assert email_settings(f"file://{tmp_path}/mail") == {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": f"{tmp_path}/mail",
    }
    with pytest.raises(SystemExit):
        email_settings("file://")


def test_mails_sent_through_the_file_backend_land_in_the_folder(settings, tmp_path):
    from config.settings import email_settings

    for name, value in email_settings(f"file://{tmp_path}").items():
        setattr(settings, name, value)
    settings.TASKS = IMMEDIATE
    a_mail()
    [written] = list(tmp_path.iterdir())
    assert "Subject: Hello" in written.read_text()
