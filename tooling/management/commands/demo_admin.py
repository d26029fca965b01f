import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

LOGIN_FILE = settings.VAR_DIR / "demo-admin-login.txt"
# Demo authors (made by generate_content) who get a login and a role.
DEMO_ROLES = {"ada": "Author", "bruno": "Author", "chen": "Editor", "dara": "Contributor"}
# The demo contributor has written nothing yet: made here when missing.
DEMO_CONTRIBUTOR = {"username": "dara", "display_name": "Dara Quinn"}


class Command(BaseCommand):
    help = (
        "Create a demo superuser when there is none, give some demo authors a login and a "
        "role, and print the demo logins."
    )

    def handle(self, *args, **options):
        User = get_user_model()
        logins = []
        if not User.objects.filter(is_superuser=True).exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser(
                username="admin",
                email="admin@example.com",
                password=password,
                display_name="Site Admin",
            )
            logins.append(("admin", password, "superuser"))
        if not User.objects.filter(username=DEMO_CONTRIBUTOR["username"]).exists():
            User.objects.create_user(password=None, **DEMO_CONTRIBUTOR)
        for username, role in DEMO_ROLES.items():
            user = User.objects.filter(username=username).first()
            if user is None or user.has_usable_password():
                continue
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.is_staff = True
            user.save(update_fields=["password", "is_staff"])
            user.groups.add(Group.objects.get(name=role))
            logins.append((username, password, role))
        if logins:
            LOGIN_FILE.parent.mkdir(exist_ok=True)
            with LOGIN_FILE.open("a") as file:
                for username, password, role in logins:
                    file.write(f"{role}: username {username}  password {password}\n")
            LOGIN_FILE.chmod(0o600)
        if LOGIN_FILE.exists():
            self.stdout.write(self.style.SUCCESS(f"Demo logins (kept in {LOGIN_FILE}):"))
            self.stdout.write(LOGIN_FILE.read_text().rstrip())
        else:
            self.stdout.write("A superuser exists already; log in with its own password.")
