from django.core.mail.backends.base import BaseEmailBackend


class Backend(BaseEmailBackend):
    """A mail backend whose server is down."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server is down")
