from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, re_path

from . import feeds, views
from .sitemaps import SITEMAPS

app_name = "blog"

YEAR, MONTH, DAY = r"(?P<year>[0-9]{4})", r"(?P<month>[0-9]{2})", r"(?P<day>[0-9]{2})"
SLUG = r"(?P<slug>[-a-zA-Z0-9_]+)"
# A path in a URL: segments of letters, digits, "-", "_", "." (see blog.models.validate_segment).
PATH = r"(?P<path>[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*)"
TAGS = r"(?P<tags>[-a-zA-Z0-9_]+(?:\+[-a-zA-Z0-9_]+)*)"

urlpatterns = [
    path("", views.index, name="index"),
    path("feed/", feeds.PostFeed(), name="feed"),
    path("feed/atom/", feeds.atom(feeds.PostFeed)(), name="feed-atom"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "blog:sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
    path("drafts/<str:token>/", views.shared_draft, name="shared-draft"),
    path("search/", views.search, name="search"),
    path("tags/", views.tag_list, name="tag-list"),
    re_path(rf"^tags/{TAGS}/$", views.tag_detail, name="tag-detail"),
    re_path(rf"^tags/{TAGS}/feed/$", feeds.TagPostFeed(), name="tag-feed"),
    re_path(rf"^tags/{TAGS}/feed/atom/$", feeds.atom(feeds.TagPostFeed)(), name="tag-feed-atom"),
    path("authors/<str:username>/", views.author_detail, name="author-detail"),
    path("authors/<str:username>/feed/", feeds.AuthorPostFeed(), name="author-feed"),
    path(
        "authors/<str:username>/feed/atom/",
        feeds.atom(feeds.AuthorPostFeed)(),
        name="author-feed-atom",
    ),
    re_path(rf"^{YEAR}/$", views.archive, name="year-archive"),
    re_path(rf"^{YEAR}/{MONTH}/$", views.archive, name="month-archive"),
    re_path(rf"^{YEAR}/{MONTH}/{DAY}/$", views.archive, name="day-archive"),
    re_path(rf"^{YEAR}/{MONTH}/{DAY}/{SLUG}/$", views.post_detail, name="post-detail"),
    re_path(rf"^{YEAR}/{MONTH}/{DAY}/{SLUG}/gallery/$", views.gallery, name="post-gallery"),
    # Path URLs last: they would otherwise swallow everything above.
    re_path(rf"^{PATH}/feed/$", feeds.PathPostFeed(), name="path-feed"),
    re_path(rf"^{PATH}/feed/atom/$", feeds.atom(feeds.PathPostFeed)(), name="path-feed-atom"),
    re_path(rf"^{PATH}/{YEAR}/$", views.path_detail, name="path-year"),
    re_path(rf"^{PATH}/{YEAR}/{MONTH}/$", views.path_detail, name="path-month"),
    re_path(rf"^{PATH}/$", views.path_detail, name="path-detail"),
]
