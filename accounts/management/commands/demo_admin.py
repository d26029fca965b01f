import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

LOGIN_FILE = settings.VAR_DIR / "demo-admin-login.txt"


class Command(BaseCommand):
    help = "Create a demo superuser when there is none, and print the demo login."

    def handle(self, *args, **options):
        User = get_user_model()
        if not User.objects.filter(is_superuser=True).exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser(
                username="admin",
                email="admin@example.com",
                password=password,
                display_name="Site Admin",
            )
            LOGIN_FILE.parent.mkdir(exist_ok=True)
            LOGIN_FILE.write_text(f"username: admin\npassword: {password}\n")
            LOGIN_FILE.chmod(0o600)
        if LOGIN_FILE.exists():
            login = LOGIN_FILE.read_text().strip().replace("\n", "  ")
            self.stdout.write(self.style.SUCCESS(f"Demo admin login ({LOGIN_FILE}): {login}"))
        else:
            self.stdout.write("A superuser exists already; log in with its own password.")
