from django.urls import path

from blog import converters  # noqa: F401  (the blog's URL types: yyyy, mm, dd, uslug, blogpath)
from blog.feeds import json_feed

from . import feeds, subscription_views, views, webmention

app_name = "comments"
PERMALINK = "<yyyy:year>/<mm:month>/<dd:day>/<uslug:slug>/"

urlpatterns = [
    path("comments/", views.recent_comments, name="recent"),
    path("webmention/", webmention.receive, name="webmention"),
    path("webmention/<str:token>/", webmention.status, name="webmention-status"),
    path("comments/feed/", feeds.CommentFeed(), name="feed"),
    path("comments/follow/", subscription_views.follow, name="follow"),
    path(
        "comments/follow/confirm/<str:token>/",
        subscription_views.confirm,
        name="follow-confirm",
    ),
    path("comments/follow/stop/<str:token>/", subscription_views.unsubscribe, name="unsubscribe"),
    path(
        "comments/follow/yours/<str:token>/",
        subscription_views.subscriptions,
        name="subscriptions",
    ),
    path("comments/privacy/", subscription_views.privacy, name="privacy"),
    path("comments/privacy/<str:token>/", subscription_views.privacy_act, name="privacy-act"),
    path("comments/notices/", subscription_views.notice_preference, name="notices"),
    path(
        "comments/notices/stop/<str:token>/",
        subscription_views.stop_author_notices,
        name="notices-stop",
    ),
    path("comments/feed/atom/", feeds.atom_of_comments(feeds.CommentFeed)(), name="feed-atom"),
    path("comments/feed/json/", json_feed(feeds.CommentFeed)(), name="feed-json"),
    path(f"{PERMALINK}comment/", views.post_comment, name="post-comment"),
    # WordPress's addresses for the further pages of a post's comments.
    path(f"{PERMALINK}comment-page-<str:number>/", views.comment_page, name="page"),
    path(f"{PERMALINK}feed/", feeds.PostCommentFeed(), name="post-feed"),
    path(
        f"{PERMALINK}feed/atom/",
        feeds.atom_of_comments(feeds.PostCommentFeed)(),
        name="post-feed-atom",
    ),
    path(f"{PERMALINK}feed/json/", json_feed(feeds.PostCommentFeed)(), name="post-feed-json"),
    path("<blogpath:path>/comments/feed/", feeds.PathCommentFeed(), name="path-feed"),
    path(
        "<blogpath:path>/comments/feed/atom/",
        feeds.atom_of_comments(feeds.PathCommentFeed)(),
        name="path-feed-atom",
    ),
    path(
        "<blogpath:path>/comments/feed/json/",
        json_feed(feeds.PathCommentFeed)(),
        name="path-feed-json",
    ),
]
