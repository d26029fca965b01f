"""A reader walks the demo site in a real browser, and every feed opens in a feed reader."""

import io
import re

import feedparser
import pytest
from django.core.management import call_command

from blog.models import Post

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_site(transactional_db):
    call_command("generate_content", posts=150, seed=5, workers=1, stdout=io.StringIO())


def follow(page, locator):
    """Click the first match of `locator` and wait for the new page."""
    link = page.locator(locator).first
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url(re.compile(re.escape(href) + "$"))
    assert page.locator("main").is_visible()
    return href


def test_reader_walks_from_front_page_to_year_archive(page, demo_site):
    page.goto("/")
    assert page.locator(".day-header").count() >= 2
    # front page → a path (from an entry's footer) → a sub-path
    follow(page, ".entry-footer a[href^='/openstack/']:not(.u-url)")
    follow(page, "main > .breadcrumbs a[href='/openstack/']")
    assert page.locator("h1").inner_text() == "OpenStack"
    follow(page, ".subpaths a[href='/openstack/kilo/']")
    assert "/openstack/kilo" in page.locator("h1").inner_text() or page.locator("h1").is_visible()
    # → a permalink → one of its tags
    permalink = follow(page, ".entry .p-name")
    assert page.locator("article.h-entry h1.p-name").is_visible()
    follow(page, ".entry-tags a[rel='tag']")
    assert page.locator("h1").inner_text().startswith("Posts tagged")
    # → a post with related posts → a related post → its day → its month → its year
    follow(page, ".entry .p-name")
    assert page.locator(".related-posts li").count() >= 1
    related = follow(page, ".related-posts li > a")
    assert related != permalink
    follow(page, ".entry-byline a[href$='/']:not(.p-author)")
    assert page.locator("h1").inner_text().startswith("Posts of")
    follow(page, ".breadcrumbs a >> nth=1")
    assert page.locator(".entry").count() >= 1
    follow(page, ".breadcrumbs a >> nth=0")
    assert page.locator(".archive-months li").count() >= 1


def test_every_feed_opens_in_a_feed_reader(page, demo_site):
    post = Post.objects.published().filter(tagged_items__isnull=False).first()
    tag = post.tags.first().slug
    urls = [
        "/feed/",
        "/feed/atom/",
        "/openstack/feed/",
        "/openstack/feed/atom/",
        f"/tags/{tag}/feed/",
        f"/tags/{tag}/feed/atom/",
        f"/authors/{post.author.username}/feed/",
        f"/authors/{post.author.username}/feed/atom/",
    ]
    page.goto("/")
    for url in urls:
        response = page.request.get(url)
        assert response.ok, url
        parsed = feedparser.parse(response.body())
        assert not parsed.bozo and parsed.entries, url
    discovered = page.locator("link[rel='alternate']").evaluate_all("ls => ls.map(l => l.href)")
    assert any(href.endswith("/feed/") for href in discovered)


def test_a_tag_is_two_taps_from_the_top_of_any_page(page, demo_site):
    page.goto(Post.objects.published().first().get_absolute_url())
    tags = page.locator(".sidebar-tags a[rel='tag']").first
    menu = page.locator(".to-sidebar")
    if page.viewport_size["width"] < 800:  # a phone: the sidebar is below a long text
        box = menu.bounding_box()
        assert menu.is_visible() and box["y"] + box["height"] < page.viewport_size["height"]
        menu.click()
        page.wait_for_url(re.compile("#sidebar$"))
    else:  # beside the text
        assert not menu.is_visible()
    assert tags.is_visible() and tags.bounding_box()["y"] < page.evaluate("window.scrollY + 740")
    href = tags.get_attribute("href")
    tags.click()
    page.wait_for_url(re.compile(re.escape(href) + "$"))
    assert page.locator("h1").inner_text().startswith("Posts tagged")


def test_a_reader_walks_a_year_month_by_month(page, demo_site):
    first = Post.objects.published().order_by("published_at").first()
    page.goto(f"/{first.pub_date.year}/")
    assert page.locator(".year-at-a-glance dd").count() >= 1
    follow(page, ".year-at-a-glance h2 a")
    seen = [page.url]
    while page.locator(".archive-neighbours a[rel='next']").count() and len(seen) < 6:
        follow(page, ".archive-neighbours a[rel='next']")
        assert page.url not in seen and page.locator(".entry").count() >= 1
        seen.append(page.url)
    assert len(seen) >= 3
    follow(page, ".archive-neighbours a[rel='prev']")
    assert page.url == seen[-2]
