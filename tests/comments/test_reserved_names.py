"""The names and emails of the site's authors are theirs: a reader who is not logged in as that
author cannot comment under them; comments by authors are marked on the site."""

import mf2py
import pytest
from django.utils.html import escape

from accounts.names import comparable
from comments.models import Comment
from tests.factories import make_comment, make_post, make_user


def full_width(text):
    """The text in full-width letters (as East Asian keyboards type them)."""
    return "".join(
        chr(ord(char) + 0xFEE0) if char.isascii() and char.isalnum() else char for char in text
    )


@pytest.fixture
def post(db):
    ada = make_user(
        username="ada",
        first_name="Ada",
        last_name="Lovelace",
        display_name="Countess Ada",
        email="ada@example.com",
        is_staff=True,
    )
    return make_post(title="Kilo notes", author=ada)


@pytest.mark.parametrize(
    "name",
    [
        "ada",
        "ADA",
        "Ada Lovelace",
        "ada  lovelace",
        "Adá Lovélace",
        full_width("Ada Lovelace"),
        "countess ada",
        "A\u200bda",  # a zero-width space inside: reads as "Ada"
        "\u202eada",  # a direction mark before it
        "\u0410da",  # a Cyrillic capital A
        "\u0430d\u0430 lovel\u0430ce",  # Cyrillic small a's
        "ada@example.com",  # the author's address typed as a name
    ],
)
def test_a_reader_cannot_comment_under_an_authors_name(client, post, send_comment, name):
    response = send_comment(post, author_name=name, body="Pretending to be *Ada*.")
    assert response.status_code == 200
    page = response.content.decode()
    assert "This name is used by one of this site&#x27;s authors" in page
    assert escape(name) in page and "Pretending to be *Ada*." in page  # kept as typed
    assert not Comment.objects.exists()


@pytest.mark.parametrize("email", ["ada@example.com", "ADA@Example.COM", "ada+blog@example.com"])
def test_a_reader_cannot_comment_with_an_authors_email(client, post, send_comment, email):
    response = send_comment(post, author_email=email)
    assert "This email is used by one of this site&#x27;s authors" in response.content.decode()
    assert not Comment.objects.exists()


def test_names_of_authors_without_a_login_to_the_admin_are_reserved_too(client, db, send_comment):
    imported = make_user(username="wp_writer", display_name="Old Writer")  # not staff, has posts
    post = make_post(author=imported)
    response = send_comment(post, author_name="old writer")
    assert "This name is used" in response.content.decode()


def test_readers_names_are_not_reserved(client, post, send_comment):
    make_user(username="rita_reader", display_name="Reader Rita")  # a reader with a login
    response = send_comment(post)  # as "Reader Rita"
    assert response.status_code == 302
    assert Comment.objects.get().author_name == "Reader Rita"


def test_the_author_logged_in_comments_under_their_own_name_and_is_marked(
    client, post, send_comment
):
    client.force_login(post.author)
    response = send_comment(post, author_name="Ada Lovelace", author_email="ada@example.com")
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.is_by_author and comment.status == "approved"
    client.logout()
    page = client.get(post.get_absolute_url()).content.decode()
    assert 'class="comment-by-author"' in page and ">Author</span>" in page


def test_another_logged_in_author_is_marked_and_readers_are_not(client, post, send_comment):
    bruno = make_user(username="bruno", is_staff=True)
    client.force_login(bruno)
    send_comment(post, author_name="Bruno", author_email=bruno.email)
    client.logout()
    Comment.objects.filter(author_name="Bruno").set_status("approved")  # not an editor: held
    make_comment(post=post, author_name="Plain Reader")
    page = client.get(post.get_absolute_url()).content.decode()
    assert page.count(">Author</span>") == 1


def test_the_author_mark_keeps_the_comment_microformats_valid(client, post, send_comment):
    client.force_login(post.author)
    send_comment(post, author_name="Countess Ada", author_email="ada@example.com")
    client.logout()
    page = client.get(post.get_absolute_url()).content.decode()
    comment_html = page.split('class="comment h-entry comment-author"')[1].split("</article>")[0]
    entry = mf2py.parse(doc=f'<li class="h-entry"{comment_html}</article></li>')["items"][0]
    author = entry["properties"]["author"][0]
    assert author["type"] == ["h-card"]
    assert author["properties"]["name"] == ["Countess Ada"]  # the label is not in the name


def test_comparable_folds_width_case_accents_and_spacing():
    assert comparable(full_width("Chen  Li")) == comparable("chen li") == comparable("Chén Lí")
    assert comparable("Ada") != comparable("Adam")
