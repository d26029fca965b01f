"""The names and addresses of the site's authors, which nobody else may sign with."""

import unicodedata

from django.contrib.auth import get_user_model
from django.db.models import Q

# Letters of other scripts drawn like Latin ones ("Ada" with a Cyrillic capital A reads as "Ada"):
# the look-alikes of Unicode's confusables list that a name is most easily forged with.
LOOK_ALIKES = str.maketrans(
    "аеорсухіјѕԁһԛԝвкмнтАВЕКМНОРСТХІЈЅαβεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdhqwbkmhtabekmhopctxijsabeikvoptuxabezhikmnoptyx",
)


def comparable(text):
    """`text` as it reads, not as it is typed: width (NFKC), case, accents, spacing, invisible
    characters (zero-width, direction marks) and look-alike letters of other scripts folded, so
    that a full-width, capitalised, accented "Ada  Lövelace" equals "ada lovelace"."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text or ""))
    text = "".join(
        char
        for char in text
        if not unicodedata.combining(char) and unicodedata.category(char) != "Cf"
    )
    return " ".join(text.translate(LOOK_ALIKES).casefold().split())


def comparable_email(text):
    """An address as it reaches its owner: "ada+blog@x" is ada@x's (sub-addressing)."""
    local, _, domain = comparable(text).replace(" ", "").rpartition("@")
    return f"{local.split('+')[0]}@{domain}" if local else domain


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
    name, email = comparable(name), comparable_email(email)
    for author in site_authors():
        own_email = comparable_email(author.email)
        # (a name typed as the author's address is theirs too)
        if name and (
            name in names_of(author) or (own_email and comparable_email(name) == own_email)
        ):
            return author
        if email and own_email and email == own_email:
            return author
    return None
