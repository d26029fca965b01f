from django.contrib.sitemaps import views as sitemap_views
from django.urls import path

from . import converters, feeds, views  # noqa: F401  (converters registers the URL types)
from .sitemaps import SITEMAPS

app_name = "blog"
PERMALINK = "<yyyy:year>/<mm:month>/<dd:day>/<uslug:slug>/"

urlpatterns = [
    path("", views.index, name="index"),
    path("feed/", feeds.PostFeed(), name="feed"),
    path("feed/atom/", feeds.atom_of_posts(feeds.PostFeed)(), name="feed-atom"),
    path("feed/json/", feeds.json_feed(feeds.PostFeed)(), name="feed-json"),
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
    path("tags/<tags:tags>/", views.tag_detail, name="tag-detail"),
    path("tags/<tags:tags>/feed/", feeds.TagPostFeed(), name="tag-feed"),
    path(
        "tags/<tags:tags>/feed/atom/",
        feeds.atom_of_posts(feeds.TagPostFeed)(),
        name="tag-feed-atom",
    ),
    path("tags/<tags:tags>/feed/json/", feeds.json_feed(feeds.TagPostFeed)(), name="tag-feed-json"),
    path("authors/", views.author_list, name="author-list"),
    path("authors/<str:username>/", views.author_detail, name="author-detail"),
    path("authors/<str:username>/feed/", feeds.AuthorPostFeed(), name="author-feed"),
    path(
        "authors/<str:username>/feed/atom/",
        feeds.atom_of_posts(feeds.AuthorPostFeed)(),
        name="author-feed-atom",
    ),
    path(
        "authors/<str:username>/feed/json/",
        feeds.json_feed(feeds.AuthorPostFeed)(),
        name="author-feed-json",
    ),
    path("<yyyy:year>/", views.archive, name="year-archive"),
    path("<yyyy:year>/<mm:month>/", views.archive, name="month-archive"),
    path("<yyyy:year>/<mm:month>/<dd:day>/", views.archive, name="day-archive"),
    path(PERMALINK, views.post_detail, name="post-detail"),
    path(f"{PERMALINK}gallery/", views.gallery, name="post-gallery"),
    # Path URLs last: they would otherwise swallow everything above.
    path("<blogpath:path>/feed/", feeds.PathPostFeed(), name="path-feed"),
    path(
        "<blogpath:path>/feed/atom/",
        feeds.atom_of_posts(feeds.PathPostFeed)(),
        name="path-feed-atom",
    ),
    path(
        "<blogpath:path>/feed/json/", feeds.json_feed(feeds.PathPostFeed)(), name="path-feed-json"
    ),
    path("<blogpath:path>/<yyyy:year>/", views.path_detail, name="path-year"),
    path("<blogpath:path>/<yyyy:year>/<mm:month>/", views.path_detail, name="path-month"),
    path("<blogpath:path>/", views.path_detail, name="path-detail"),
]
