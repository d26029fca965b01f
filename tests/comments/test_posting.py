import datetime
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from comments.models import Comment, ModerationRule
from outbox.models import Delivery
from tests.comments.conftest import comment_data, comment_url, form_token
from tests.factories import make_comment, make_post, make_user


@pytest.fixture
def post(db):
    return make_post(title="Kilo notes", author=make_user(username="ada", email="ada@example.com"))


def test_first_comment_is_held_and_redirects_to_its_anchor(client, post, send_comment):
    response = send_comment(post)
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{post.get_absolute_url()}#comment-{comment.pk}"
    assert comment.status == Comment.Status.PENDING
    assert comment.body_html == "<p>A thoughtful <em>comment</em>.</p>"
    assert comment.ip_address == "127.0.0.1"


def test_held_comment_is_shown_awaiting_moderation_only_to_its_writer(client, post, send_comment):
    send_comment(post)
    own_view = client.get(post.get_absolute_url()).content.decode()
    assert "A thoughtful <em>comment</em>" in own_view and "awaiting moderation" in own_view
    from django.test import Client

    stranger_view = Client().get(post.get_absolute_url()).content.decode()
    assert "thoughtful" not in stranger_view and "awaiting moderation" not in stranger_view


def test_commenter_with_an_approved_comment_is_approved_at_once(client, post, send_comment):
    make_comment(post=post, author_email="RITA@example.com", status="approved")
    send_comment(post)
    assert Comment.objects.latest("id").status == Comment.Status.APPROVED
    post.refresh_from_db()
    assert post.comment_count == 2


@pytest.mark.parametrize(("policy", "status"), [("all", "pending"), ("none", "approved")])
def test_moderation_policy_setting(client, post, send_comment, settings, policy, status):
    settings.COMMENTS_MODERATION = policy
    make_comment(post=post, author_email="rita@example.com", status="approved")
    send_comment(post)
    assert Comment.objects.latest("id").status == status


def test_comment_with_too_many_links_is_held(client, post, send_comment, settings):
    settings.COMMENTS_MODERATION = "none"
    body = "See https://a.example/ and https://b.example/ and https://c.example/"
    send_comment(post, body=body)
    assert Comment.objects.get().status == "pending"


def test_post_author_and_editors_are_approved_at_once(client, post, send_comment, settings):
    settings.COMMENTS_MODERATION = "all"
    client.force_login(post.author)
    send_comment(post, body="From the author.")
    editor = make_user(username="ed")
    editor.groups.add(Group.objects.get_or_create(name="Editor")[0])
    client.force_login(editor)
    send_comment(post, body="From an editor.")
    reader = make_user(username="reader")
    client.force_login(reader)
    send_comment(post, body="From a reader.")
    statuses = dict(Comment.objects.values_list("body", "status"))
    assert statuses == {
        "From the author.": "approved",
        "From an editor.": "approved",
        "From a reader.": "pending",
    }
    assert Comment.objects.get(body="From the author.").user == post.author


def test_hold_word_holds_and_reject_word_refuses_with_nothing_stored(
    client, post, send_comment, settings
):
    settings.COMMENTS_MODERATION = "none"
    ModerationRule.objects.create(action="hold", text="casino")
    ModerationRule.objects.create(action="reject", text="viagra")
    send_comment(post, body="Try the CASINO today")
    assert Comment.objects.get().status == "pending"
    response = send_comment(post, body="cheap Viagra here")
    assert response.status_code == 400
    assert "was not accepted" in response.content.decode()
    assert Comment.objects.count() == 1


def test_rules_match_ip_prefixes_names_and_websites(client, post, send_comment, settings):
    settings.COMMENTS_MODERATION = "none"
    ModerationRule.objects.create(action="reject", text="127.0.")
    assert send_comment(post).status_code == 400
    ModerationRule.objects.all().delete()
    ModerationRule.objects.create(action="hold", text="spam-site.example")
    send_comment(post, author_url="https://spam-site.example/")
    assert Comment.objects.get().status == "pending"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"author_name": ""}, "author_name", "This field is required."),
        ({"author_email": "not-an-email"}, "author_email", "Enter a valid email address."),
        ({"author_email": ""}, "author_email", "This field is required."),
        ({"body": "  "}, "body", "This field is required."),
        ({"author_url": "javascript:alert(1)"}, "author_url", "Enter a valid URL."),
        ({"author_url": "ftp://files.example/"}, "author_url", "Enter a valid URL."),
    ],
)
def test_invalid_fields_show_errors_next_to_them_and_keep_what_was_typed(
    client, post, send_comment, overrides, field, message
):
    response = send_comment(post, **overrides)
    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_{field}_error">{message}</span>' in page
    assert 'value="Reader Rita"' in page or field == "author_name"
    assert "A thoughtful *comment*." in page or field == "body"
    assert not Comment.objects.exists()


class IdsAndDescriptions(HTMLParser):
    """Every element id on a page, and what each form field's aria-describedby names."""

    def __init__(self):
        super().__init__()
        self.ids, self.fields = [], {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag in {"input", "textarea"} and attrs.get("type") != "hidden":
            self.fields[attrs["name"]] = attrs


def test_every_field_error_is_the_description_its_field_names(client, post, send_comment):
    response = send_comment(
        post, author_name="", author_email="not-an-email", author_url="ftp://x.example/", body=""
    )
    page = IdsAndDescriptions()
    page.feed(response.content.decode())
    invalid = {name: f for name, f in page.fields.items() if f.get("aria-invalid") == "true"}
    assert set(invalid) == {"author_name", "author_email", "author_url", "body"}
    for name, field in invalid.items():
        described_by = field["aria-describedby"].split()
        assert f"id_{name}_error" in described_by
        for id_ in described_by:
            assert page.ids.count(id_) == 1, f"{name}: aria-describedby names {id_}, not on page"


def test_required_fields_say_so_in_their_label_and_attribute(client, post):
    page = client.get(post.get_absolute_url()).content.decode()
    form = page[page.index('<form id="comment-form"') :]
    fields = IdsAndDescriptions()
    fields.feed(form)
    for name in ("author_name", "author_email", "body"):
        assert "required" in fields.fields[name]
        label = re.search(rf'<label for="id_{name}">(.*?)</label>', form).group(1)
        assert "(required)" in label
    for name in ("author_url", "remember", "homepage"):
        assert "required" not in fields.fields[name]
    assert '<label for="id_author_url">Website:</label>' in form


def test_honeypot_filled_in_is_refused_and_nothing_stored(client, post, send_comment):
    response = send_comment(post, homepage="http://bot.example/")
    assert "This field must stay empty" in response.content.decode()
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("garbage", "changed or damaged"),
        ("TAMPER", "changed or damaged"),
        ("FAST", "too quickly"),
        ("OLD", "open for too long"),
        ("OTHER_POST", "belongs to another post"),
    ],
)
def test_form_token_refusals_store_nothing_and_give_a_fresh_token(
    client, post, send_comment, token, message
):
    token = {
        "TAMPER": form_token(post)[:-3] + "abc",
        "FAST": form_token(post, seconds_ago=0),
        "OLD": form_token(post, seconds_ago=3 * 24 * 3600),
        "OTHER_POST": form_token(make_post()),
    }.get(token, token)
    response = send_comment(post, issued=token)
    page = response.content.decode()
    assert message in page
    assert not Comment.objects.exists()
    sent_again = re.search(r'name="issued" value="([^"]+)"', page).group(1)
    # A token that waiting cannot mend is replaced; one sent too fast is kept, as it ripens.
    assert (sent_again == token) == (message == "too quickly")
    assert "A thoughtful *comment*." in page


def test_flood_limit_answers_429_and_stores_nothing_more(client, post, send_comment, settings):
    settings.COMMENTS_FLOOD_LIMIT = 2
    assert send_comment(post, body="one").status_code == 302
    assert send_comment(post, body="two").status_code == 302
    response = send_comment(post, body="three")
    assert response.status_code == 429
    page = response.content.decode()
    assert "several comments in a short time" in page
    assert "three</textarea>" in page  # the text comes back in the form
    assert Comment.objects.count() == 2


def test_flood_limit_counts_per_email_across_addresses(client, post, send_comment, settings):
    settings.COMMENTS_FLOOD_LIMIT = 1
    assert send_comment(post, body="one").status_code == 302
    from django.test import Client

    other = Client(REMOTE_ADDR="198.51.100.7")
    assert send_comment(post, body="two", using=other).status_code == 429


def test_the_same_comment_sent_twice_is_stored_once(client, post, send_comment):
    first = send_comment(post)
    second = send_comment(post)
    assert Comment.objects.count() == 1
    assert first["Location"] == second["Location"]


@pytest.mark.parametrize("reason", ["switched_off", "too_old"])
def test_closed_comments_show_a_notice_and_refuse_posts_with_403(client, db, settings, reason):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 30
    if reason == "switched_off":
        post = make_post(allow_comments=False)
    else:
        post = make_post(published_at=timezone.now() - datetime.timedelta(days=31))
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Comments are closed." in page and 'id="comment-form"' not in page
    response = client.post(comment_url(post), comment_data(post))
    assert response.status_code == 403
    assert "Comments are closed" in response.content.decode()
    assert not Comment.objects.exists()


def test_comments_stay_open_without_a_closing_age(client, db, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = None
    post = make_post(published_at=timezone.now() - datetime.timedelta(days=4000))
    assert client.post(comment_url(post), comment_data(post)).status_code == 302


def test_comment_on_a_draft_or_unknown_post_is_404(client, db):
    draft = make_post(published=False)
    assert client.post(comment_url(draft), comment_data(draft)).status_code == 404
    assert client.post("/2014/02/30/nothing/comment/", {}).status_code == 404
    assert client.get(comment_url(make_post())).status_code == 405


def test_reply_nests_under_its_parent(client, post, send_comment):
    parent = make_comment(post=post, author_name="Parent Pat")
    send_comment(post, parent=str(parent.pk), body="A reply.")
    reply = Comment.objects.get(body="A reply.")
    assert reply.parent == parent and reply.depth == 2
    reply.status = "approved"
    reply.save()
    page = client.get(post.get_absolute_url()).content.decode()
    section = page[page.index(f'id="comment-{parent.pk}"') :]
    assert section.index("comment-replies") < section.index(f'id="comment-{reply.pk}"')


def test_a_reply_deeper_than_the_limit_attaches_to_its_deepest_allowed_ancestor(
    client, post, send_comment, settings
):
    settings.COMMENTS_MAX_DEPTH = 3
    first = make_comment(post=post)
    second = make_comment(parent=first)
    third = make_comment(parent=second)
    assert third.depth == 3
    send_comment(post, parent=str(third.pk), body="Too deep.")
    deep = Comment.objects.get(body="Too deep.")
    assert deep.parent == second and deep.depth == 3


@pytest.mark.parametrize("kind", ["pending", "other_post", "missing"])
def test_replying_to_an_unavailable_comment_is_refused(client, post, send_comment, kind):
    target = {
        "pending": lambda: make_comment(post=post, status="pending").pk,
        "other_post": lambda: make_comment().pk,
        "missing": lambda: 999999,
    }[kind]()
    response = send_comment(post, parent=str(target), body="Reply to nothing.")
    assert "not available" in response.content.decode()
    assert not Comment.objects.filter(body="Reply to nothing.").exists()


def test_reply_link_works_without_javascript(client, post):
    parent = make_comment(post=post)
    page = client.get(f"{post.get_absolute_url()}?reply_to={parent.pk}").content.decode()
    assert f'name="parent" value="{parent.pk}"' in page


def test_reply_form_names_the_person_and_quotes_their_first_words(client, post, send_comment):
    parent = make_comment(
        post=post, author_name="Rita", body="Tom & Jerry *never* agree about the kilo release."
    )
    heading = "Reply to Rita: “Tom &amp; Jerry never agree about…”"
    page = client.get(f"{post.get_absolute_url()}?reply_to={parent.pk}").content.decode()
    assert heading in page and "Reply to comment" not in page
    # Sent back with an error, the form still says whom it answers.
    page = send_comment(post, parent=str(parent.pk), author_name="").content.decode()
    assert heading in page


def test_reply_link_to_a_held_or_unknown_comment_offers_a_plain_comment_form(client, post):
    held = make_comment(post=post, status="pending")
    for reply_to in (held.pk, 999999):
        page = client.get(f"{post.get_absolute_url()}?reply_to={reply_to}").content.decode()
        assert "Leave a comment" in page and f'name="parent" value="{reply_to}"' not in page


def test_preview_shows_exactly_the_html_that_is_stored(client, post, send_comment):
    body = "Hello *there* <b>raw</b> `code` https://example.org/x\n\n> quoted"
    response = send_comment(post, body=body, preview="1")
    page = response.content.decode()
    assert not Comment.objects.exists()
    preview = re.search(r'<div class="comment-body">(.*?)</div>\n  </section>', page, re.S).group(1)
    assert escape(body) in page  # the text stays in the form
    send_comment(post, body=body)
    assert Comment.objects.get().body_html == preview


def test_remember_me_fills_in_the_form_next_time(client, post, send_comment):
    send_comment(post, remember="on")
    page = client.get(make_post().get_absolute_url()).content.decode()
    assert 'value="Reader Rita"' in page and 'value="rita@example.com"' in page


def test_without_remember_me_nothing_is_kept(client, post, send_comment):
    send_comment(post)
    page = client.get(make_post().get_absolute_url()).content.decode()
    assert 'value="Reader Rita"' not in page


def test_hostile_input_in_every_field_is_neutralised(client, post, send_comment, settings):
    settings.COMMENTS_MODERATION = "none"
    send_comment(
        post,
        author_name='<script>alert("name")</script>',
        author_url="https://ok.example/\"><script>alert('url')</script>",
        body="<img src=x onerror=alert(1)> [x](javascript:alert(2)) <script>alert(3)</script>",
    )
    send_comment(
        post,
        author_name="Fine <b>name</b>",
        author_url="https://ok.example/",
        body="![img](https://evil.example/x.png) # not a heading",
    )
    page = client.get(post.get_absolute_url()).content.decode()
    assert "<script>alert" not in page and "onerror=" not in page.replace("onerror=alert", "")
    assert 'href="javascript:' not in page.lower()  # a refused link stays visible as text
    assert "&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;" in page
    assert "<img" not in page.split('id="comments"')[1]
    assert "Fine &lt;b&gt;name&lt;/b&gt;" in page


def test_email_is_never_shown_on_the_page(client, post, settings):
    make_comment(post=post, author_email="secret-rita@example.com")
    assert "secret-rita" not in client.get(post.get_absolute_url()).content.decode()


def test_post_author_is_mailed_after_the_comment_is_stored(
    client, post, send_comment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send_comment(post)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.com"] and "Kilo notes" in message.subject
    assert "awaiting your moderation" in message.body
    assert f"/admin/comments/comment/{Comment.objects.get().pk}/change/" in message.body


def test_an_author_who_cannot_sign_in_is_not_mailed(
    client, post, send_comment, django_capture_on_commit_callbacks
):
    # A WordPress import brings its authors inactive (no password, no role): the site does not
    # start mailing every former author of the blog.
    post.author.is_active = False
    post.author.save()
    with django_capture_on_commit_callbacks(execute=True):
        send_comment(post)
    assert Comment.objects.count() == 1
    assert mail.outbox == []


def test_a_failing_mail_server_loses_nothing(
    client, post, send_comment, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.comments.failing_mail.Backend"
    with django_capture_on_commit_callbacks(execute=True):
        response = send_comment(post)
    assert response.status_code == 302
    assert Comment.objects.count() == 1
    delivery = Delivery.objects.get()  # kept, to be tried again
    assert delivery.status == Delivery.Status.PENDING and delivery.attempts == 1
    assert "the mail server is down" in delivery.last_error


@pytest.mark.parametrize(
    ("policy", "promise", "status"),
    [
        ("first_time", "Your first comment here waits for a moderator&#x27;s approval", "pending"),
        ("all", "A moderator reads every comment before it appears", "pending"),
        ("none", "Your comment appears at once, unless it holds more than 2 links", "approved"),
    ],
)
def test_comment_form_says_what_happens_next_and_it_does(
    client, post, send_comment, settings, policy, promise, status
):
    settings.COMMENTS_MODERATION = policy
    form = client.get(post.get_absolute_url()).content.decode().split('id="comment-form"')[1]
    note = re.search(r'<p class="moderation-note"[^>]*>(.*?)</p>', form).group(1)
    assert promise in note and "spam" in note
    send_comment(post)
    assert Comment.objects.get().status == status


def test_comment_form_tells_the_post_author_their_comment_appears_at_once(client, post):
    client.force_login(post.author)
    page = client.get(post.get_absolute_url()).content.decode()
    assert "your comment appears at once." in page


def test_a_held_comment_is_shown_to_its_writer_but_not_counted_as_public(
    client, post, send_comment
):
    make_comment(post=post, author_name="Ann", body="Approved one.")
    send_comment(post)  # a first comment: held
    for reader, is_writer in ((client, True), (Client(), False)):
        page = reader.get(post.get_absolute_url()).content.decode()
        assert '<h2 id="comments-heading">1 comment</h2>' in page
        assert ("Your comment below awaits moderation: not counted yet" in page) == is_writer
        assert ("A thoughtful <em>comment</em>" in page) == is_writer
        front = reader.get("/").content.decode()
        assert "1 comment</a>" in front and "2 comments" not in front
