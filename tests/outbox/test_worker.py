"""The real worker (manage.py db_worker, a process of its own): stopped with SIGTERM in the
middle of its queue and started again, it sends every queued mail, each once."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from outbox.models import Delivery
from outbox.tasks import post

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def database_url():
    """The test database, for another process."""
    database = connection.settings_dict
    if database["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(database['NAME']).resolve()}"
    return (
        f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST'] or '127.0.0.1'}"
        f":{database['PORT'] or 5432}/{database['NAME']}"
    )


def start_worker(mail_dir, *arguments):
    environment = os.environ | {
        "DJANGO_SETTINGS_MODULE": "tests.outbox.worker_settings",
        "DATABASE_URL": database_url(),
        "TEST_MAIL_DIR": str(mail_dir),
        "PYTHONPATH": str(ROOT),
    }
    environment.pop("TASKS_IMMEDIATE", None)
    command = [sys.executable, "manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay"]
    return subprocess.Popen([*command, *arguments], cwd=ROOT, env=environment)


def sent_subjects(mail_dir):
    return [
        line.removeprefix("Subject: ")
        for file in mail_dir.iterdir()
        for line in file.read_text().splitlines()
        if line.startswith("Subject: ")
    ]


def test_the_worker_stopped_mid_queue_and_restarted_sends_every_mail_once(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    subjects = [f"Mail number {number}" for number in range(12)]
    for subject in subjects:
        post(kind="test", to="rita@example.com", subject=subject, text="Hi.")

    worker = start_worker(tmp_path)
    deadline = time.monotonic() + 60
    while len(sent_subjects(tmp_path)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0  # stopped cleanly, after the mail in hand
    sent_before_restart = len(sent_subjects(tmp_path))
    assert 3 <= sent_before_restart < len(subjects)  # stopped in the middle of the queue

    restarted = start_worker(tmp_path, "--batch")  # runs until the queue is empty
    assert restarted.wait(timeout=120) == 0
    assert sorted(sent_subjects(tmp_path)) == sorted(subjects)  # all, each once
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}


def test_make_runs_wrapper_starts_the_worker_beside_the_server_and_ctrl_c_stops_both(
    settings, tmp_path
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    post(kind="test", to="rita@example.com", subject="Sent by the worker", text="Hi.")
    environment = os.environ | {
        "DJANGO_SETTINGS_MODULE": "tests.outbox.worker_settings",
        "DATABASE_URL": database_url(),
        "TEST_MAIL_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    environment.pop("TASKS_IMMEDIATE", None)
    server = [sys.executable, "-c", "import time; time.sleep(120)"]  # stands in for runserver
    wrapper = subprocess.Popen(
        [sys.executable, "tools/with_worker.py", *server], cwd=ROOT, env=environment
    )
    deadline = time.monotonic() + 60
    while not sent_subjects(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sent_subjects(tmp_path) == ["Sent by the worker"]
    wrapper.send_signal(signal.SIGINT)
    assert wrapper.wait(timeout=30) == 0
    children = subprocess.run(
        ["pgrep", "-P", str(wrapper.pid)], capture_output=True, text=True
    ).stdout
    assert children == ""
