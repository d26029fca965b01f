"""Every page runs a fixed number of queries, whatever the number of posts, tags or authors."""

import datetime

import pytest

from blog.models import Post
from blog.templatetags.blog_sidebar import page_navigation, sidebar
from tests.factories import make_picture, make_post, make_user

MAY_2014 = datetime.datetime(2014, 5, 10, 12, tzinfo=datetime.UTC)

# url: queries (count, page of posts, their tags and their pictures, the related posts of every
# entry on the page (one query, blog.models.related_posts_of), whether the site has several
# authors (cached until the next change: its first reader computes it), plus what the page needs)
BUDGETS = {
    "/": 7,  # + the pinned posts
    # a year: its months with counts, every title, the years before and after with posts
    "/2014/": 4,
    "/2014/05/": 9,  # + the month's days with counts, the months before and after with posts
    "/2014/05/10/": 8,  # + the days before and after with posts
    "/openstack/": 9,  # + a page at this address?, the path with its ancestors, sub-path counts
    "/openstack/kilo/nova/": 9,
    "/openstack/2014/": 10,  # + the years before and after with posts here
    "/openstack/2014/05/": 10,
    "/tags/": 1,
    "/tags/python/": 8,  # + the tags named in the URL, the tags to narrow down to
    "/tags/python+cloud/": 8,
    "/authors/author0/": 7,  # + the author
    # which posts, those not kept (blog.feeds.PostFeed.items) and their tags
    "/feed/": 3,
    "/feed/atom/": 3,
    "/openstack/feed/": 4,  # + the path
    "/tags/python/feed/": 4,
    "/authors/author0/feed/atom/": 4,
    "/sitemap.xml": 7,  # the number of pages of each of the five sections, + lastmods
    "/sitemap-posts.xml": 2,
    "/sitemap-paths.xml": 2,
    "/sitemap-tags.xml": 1,
    "/sitemap-authors.xml": 2,
    # post, its tags, its pictures, related posts (with what their links need), several
    # authors?, previous, next, the webmentions, the number of comment threads and the first
    # page of them; with `count` related posts
    "PERMALINK": 10,
}


def populate(count):
    authors = [make_user(username=f"author{n}") for n in range(min(count, 5))]
    paths = ["/openstack/kilo/nova", "/openstack/juno", "/openstack", "/openstack/kilo"]
    for n in range(count):
        post = make_post(
            author=authors[n % len(authors)],
            path=paths[n % len(paths)],
            tags=["python", "cloud", f"extra{n}"],
            published_at=MAY_2014 + datetime.timedelta(minutes=n),
        )
        if n % 3 == 0:
            make_picture(post=post)


@pytest.mark.parametrize("count", [1, 30])
@pytest.mark.parametrize(("url", "budget"), BUDGETS.items())
def test_page_queries_do_not_grow_with_the_data(
    client, db, django_assert_num_queries, count, url, budget
):
    populate(count + 1 if url == "PERMALINK" else count)
    if url == "PERMALINK":
        url = Post.objects.published().order_by("published_at")[count // 2].get_absolute_url()
    sidebar()  # rendered once per change of content and shared by every page (see below)
    page_navigation()  # so is the list of pages in the header
    with django_assert_num_queries(budget):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 30])
def test_the_sidebar_costs_three_queries_once_per_change_of_content(
    db, django_assert_num_queries, count
):
    populate(count)
    with django_assert_num_queries(3):  # posts per path, popular tags, posts per month
        first = sidebar()
    with django_assert_num_queries(0):
        assert sidebar() == first
    make_post(path="/brand-new", tags=["fresh"])
    assert "brand-new" in sidebar() and "brand-new" not in first
