from django.urls import path, re_path

from blog.urls import DAY, MONTH, PATH, SLUG, YEAR

from . import feeds, views

app_name = "comments"
PERMALINK = rf"{YEAR}/{MONTH}/{DAY}/{SLUG}"

urlpatterns = [
    path("comments/", views.recent_comments, name="recent"),
    path("comments/feed/", feeds.CommentFeed(), name="feed"),
    path("comments/feed/atom/", feeds.atom(feeds.CommentFeed)(), name="feed-atom"),
    re_path(rf"^{PERMALINK}/comment/$", views.post_comment, name="post-comment"),
    re_path(rf"^{PERMALINK}/feed/$", feeds.PostCommentFeed(), name="post-feed"),
    re_path(
        rf"^{PERMALINK}/feed/atom/$", feeds.atom(feeds.PostCommentFeed)(), name="post-feed-atom"
    ),
    re_path(rf"^{PATH}/comments/feed/$", feeds.PathCommentFeed(), name="path-feed"),
    re_path(
        rf"^{PATH}/comments/feed/atom/$", feeds.atom(feeds.PathCommentFeed)(), name="path-feed-atom"
    ),
]
