"""The site's settings for a worker under test: mail written to $TEST_MAIL_DIR, slowly (so
that the test can stop the worker in the middle of its queue)."""

from config.settings import *  # noqa: F403

EMAIL_BACKEND = "tests.outbox.slow_mail.Backend"
