"""Pages (About, Contact…) are their own kind: at their own addresses, below one another, in the
site navigation, never in the dated stream; and pinned posts lead the front page."""

import datetime

import feedparser
import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from blog.models import Page, Post
from tests.comments.conftest import comment_data
from tests.factories import make_post, make_user

pytestmark = pytest.mark.django_db


def make_page(title, *, parent=None, published=True, author=None, **fields):
    page = Page(
        title=title,
        parent=parent,
        author=author or make_user(),
        body=fields.pop("body", f"The text of *{title}*."),
        status=Post.Status.PUBLISHED if published else Post.Status.DRAFT,
        published_at=timezone.now() - datetime.timedelta(minutes=5),
        **fields,
    )
    page.save()
    return page


def test_a_page_answers_at_its_own_address_below_its_parent(client):
    about = make_page("About us", slug="about")
    team = make_page("The team", parent=about)
    assert about.get_absolute_url() == "/about/"
    assert team.get_absolute_url() == "/about/the-team/"
    page = client.get("/about/the-team/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "The text of <em>The team</em>." in html
    assert 'href="/about/"' in html  # the page above it
    assert 'href="/about/the-team/"' in client.get("/about/").content.decode()  # below it


def test_pages_stay_out_of_the_dated_stream_feeds_and_archives(client):
    author = make_user(username="margit")
    post = make_post(title="A dated post", author=author, path="/diary")
    page = make_page("Contact", author=author, body="Write to the harbour office.")
    day = page.pub_date
    listings = [
        "/",
        f"/{day:%Y}/",
        f"/{day:%Y/%m}/",
        f"/{day:%Y/%m/%d}/",
        "/authors/margit/",
        "/diary/",
        "/sitemap-posts.xml",
    ]
    for url in listings:
        html = client.get(url).content.decode()
        html = html.split("<main", 1)[-1].split("</main>")[0]  # the header lists the page
        assert "A dated post" in html or post.get_absolute_url() in html, url
        assert "harbour office" not in html and page.get_absolute_url() not in html, url
    for url in ("/feed/", "/feed/atom/", "/authors/margit/feed/"):
        titles = [entry.title for entry in feedparser.parse(client.get(url).content).entries]
        assert titles == ["A dated post"], url
    # At a dated address a page is no post.
    assert client.get(f"/{day:%Y/%m/%d}/{page.slug}/").status_code == 404
    assert page.get_absolute_url() in client.get("/sitemap-pages.xml").content.decode()


def test_the_site_navigation_lists_published_top_level_pages_in_their_order(client):
    make_page("Second", menu_order=2)
    first = make_page("First", menu_order=1)
    make_page("Below the first", parent=first)
    make_page("Not yet", published=False)
    make_post(title="Some post")
    header = client.get("/").content.decode().split('class="site-nav"')[1].split("</nav>")[0]
    assert header.index(">First<") < header.index(">Second<")
    assert "Below the first" not in header and "Not yet" not in header


def test_a_draft_page_is_not_found_and_a_scheduled_one_appears_on_time(client):
    draft = make_page("Draft page", published=False)
    assert client.get(draft.get_absolute_url()).status_code == 404
    later = make_page("Later page")
    Post.objects.filter(pk=later.pk).update(published_at=timezone.now() + datetime.timedelta(1))
    assert client.get(later.get_absolute_url()).status_code == 404


def test_a_page_whose_slug_the_site_uses_gets_an_address_that_leads_to_it(client):
    for slug in ("tags", "feed", "search", "2014", "admin"):
        page = make_page(f"Page {slug}", slug=slug)
        assert client.get(page.get_absolute_url()).context["post"] == page, slug


def test_moving_a_page_moves_the_pages_below_and_old_addresses_answer_301(client):
    about = make_page("About", slug="about")
    team = make_page("Team", parent=about, slug="team")
    about.slug = "who-we-are"
    about.save()
    team.refresh_from_db()
    assert team.get_absolute_url() == "/who-we-are/team/"
    response = client.get("/about/team/")
    assert response.status_code == 301 and response["Location"] == "/who-we-are/team/"
    assert client.get("/about/")["Location"] == "/who-we-are/"


def test_a_page_cannot_be_placed_below_itself_or_below_a_post(client):
    from django.core.exceptions import ValidationError

    about = make_page("About")
    child = make_page("Child", parent=about)
    about.parent = child
    with pytest.raises(ValidationError):
        about.full_clean()
    stray = make_page("Stray")
    stray.parent = make_post()
    with pytest.raises(ValidationError):
        stray.full_clean()


def test_readers_comment_on_a_page(client):
    page = make_page("Guest book", slug="guest-book")
    url = reverse("comments:post-comment", kwargs=page.permalink_kwargs)
    client.get(page.get_absolute_url())  # the reader's cookie
    response = client.post(url, comment_data(page, client=client, body="Lovely page, ποτάμι."))
    assert response.status_code == 302
    assert response["Location"].startswith("/guest-book/#comment-")
    assert "Lovely page, ποτάμι." in client.get("/guest-book/").content.decode()


def test_authors_write_pages_in_the_admin_and_see_only_their_own(client):
    ann = make_user(username="ann", is_staff=True)
    ann.groups.add(Group.objects.get(name="Author"))
    bob_page = make_page("Bob's page")
    make_post(title="Ann's post", author=ann)
    client.force_login(ann)
    response = client.post(
        "/admin/blog/page/add/",
        {
            "title": "Über uns",
            "slug": "",
            "parent": "",
            "menu_order": "3",
            "body": "Wir sind **hier**.",
            "markup": "markdown",
            "status": "published",
            "published_at_0": "2015-10-15",
            "published_at_1": "12:30:00",
            "allow_comments": "on",
            "images-TOTAL_FORMS": "0",
            "images-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = Page.objects.get(title="Über uns")
    assert page.is_page and page.author == ann and page.path is None
    assert "<strong>hier</strong>" in client.get(page.get_absolute_url()).content.decode()
    pages = client.get("/admin/blog/page/").content.decode()
    assert "Über uns" in pages and "Bob's page" not in pages and "Ann's post" not in pages
    assert "Über uns" not in client.get("/admin/blog/post/").content.decode()
    assert client.get(f"/admin/blog/page/{bob_page.pk}/change/").status_code == 403
    preview = client.post("/admin/blog/page/preview/", {"body": "*Vorschau*", "title": "x"})
    assert "<em>Vorschau</em>" in preview.json()["html"]


def test_pinned_posts_lead_the_first_page_once(client, settings):
    settings.BLOG_POSTS_PER_PAGE = 2
    long_ago = timezone.now() - datetime.timedelta(days=99)
    pinned = make_post(title="Pinned for good", pinned=True, published_at=long_ago)
    for number in range(3):
        make_post(title=f"Newer {number}")
    first = client.get("/").content.decode()
    assert first.count("Pinned for good") == 1
    assert first.index("Pinned for good") < first.index("Newer 2")
    assert "Pinned for good" not in client.get("/?page=2").content.decode()
    archive = client.get(pinned.get_day_url()).content.decode()
    assert "Pinned for good" in archive  # still in its place everywhere else


def test_an_imported_post_keeps_its_feed_id_and_others_get_a_tag_uri(client):
    kept = make_post(title="Moved here", guid="http://old.example/?p=12")
    make_post(title="Written here")
    ids = {
        entry.title: entry.id for entry in feedparser.parse(client.get("/feed/").content).entries
    }
    assert ids["Moved here"] == "http://old.example/?p=12"
    assert ids["Written here"].startswith("tag:")
    atom = feedparser.parse(client.get("/feed/atom/").content).entries
    assert {entry.id for entry in atom} >= {kept.guid}


def test_the_admin_lists_and_forms_work_beside_pages_filed_under_no_path(client):
    # A WordPress import brings pages with comments: the filters that list the paths of the
    # posts shown skip the pages' missing path instead of failing on it.
    editor = make_user(username="eve", is_staff=True, is_superuser=True)
    about = make_page("About")
    from tests.factories import make_comment

    make_comment(post=about, status="pending")
    make_post(path="/diary")
    client.force_login(editor)
    for url in (
        "/admin/comments/comment/",
        "/admin/comments/comment/?status__exact=pending",
        "/admin/blog/post/",
        "/admin/blog/post/add/",
        f"/admin/blog/page/{about.pk}/change/",
    ):
        assert client.get(url).status_code == 200, url
