"""The names and addresses of the site's authors, which nobody else may sign with."""

import unicodedata

from django.contrib.auth import get_user_model
from django.db.models import Q


def comparable(text):
    """`text` as it reads, not as it is typed: width (NFKC), case, accents and spacing folded,
    so that a full-width, capitalised, accented "Ada  Lövelace" equals "ada lovelace"."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text or ""))
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(text.casefold().split())


def site_authors():
    """People who write here: staff, and anyone who has a post (imported authors too)."""
    users = get_user_model().objects
    # A semi-join (IN): a join would give one row per post, thousands per author.
    with_posts = users.filter(posts__isnull=False).values("pk")
    authors = users.filter(Q(is_staff=True) | Q(pk__in=with_posts))
    return authors.only("username", "first_name", "last_name", "display_name", "email")


def names_of(user):
    return {
        comparable(name)
        for name in (user.username, user.get_full_name(), user.display_name)
        if name.strip()
    }


def author_using(*, name="", email=""):
    """The site author whose name or email this is (compared as they read), else None."""
    name, email = comparable(name), comparable(email)
    for author in site_authors():
        if (name and name in names_of(author)) or (email and email == comparable(author.email)):
            return author
    return None
