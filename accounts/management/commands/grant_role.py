from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

ROLES = {"author": "Author", "contributor": "Contributor", "editor": "Editor"}


class Command(BaseCommand):
    help = "Give a user the Contributor, Author or Editor role (and access to the admin)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=sorted(ROLES))

    def handle(self, *args, username, role, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"There is no user called {username!r}.") from None
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.groups.add(Group.objects.get(name=ROLES[role]))
        article = "an" if ROLES[role][0] in "AEIOU" else "a"
        self.stdout.write(self.style.SUCCESS(f"{username} is now {article} {ROLES[role]}."))
