import os
import time

from django.core.mail.backends.filebased import EmailBackend


class Backend(EmailBackend):
    """Writes each mail to a file of its own in $TEST_MAIL_DIR, taking a while over it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, file_path=os.environ["TEST_MAIL_DIR"], **kwargs)

    def send_messages(self, messages):
        time.sleep(0.3)
        return super().send_messages(messages)
