"""django-tasks-db's `db_worker`, stopping without losing a task.

The original exits at once on SIGTERM/SIGINT when no task is running; a signal that lands
between its claiming a task (marked RUNNING, committed) and starting it leaves that task
RUNNING for ever: lost (seen in tests/outbox/test_worker.py). Here the first signal only asks
the loop to stop: the task in hand, claimed or running, is finished, then the worker exits
(within --interval when idle). A second signal stops it at once, as before. Same options."""

import logging
import signal

from django_tasks_db.management.commands import db_worker

logger = logging.getLogger("django_tasks")


class Worker(db_worker.Worker):
    def shutdown(self, signum, frame):
        if not self.running:
            return super().shutdown(signum, frame)  # the second signal: at once
        logger.warning(
            "Received %s - stopping after the task in hand (again to force)",
            signal.strsignal(signum),
        )
        self.running = False
        return None


class Command(db_worker.Command):
    help = db_worker.Command.help + " Stops after the task in hand on SIGTERM or Ctrl-C."

    def handle(self, **options):
        original, db_worker.Worker = db_worker.Worker, Worker  # handle() builds a Worker
        try:
            return super().handle(**options)
        finally:
            db_worker.Worker = original
