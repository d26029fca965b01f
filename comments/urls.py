from django.urls import path

from blog import converters  # noqa: F401  (the blog's URL types: yyyy, mm, dd, uslug, blogpath)

from . import feeds, views

app_name = "comments"
PERMALINK = "<yyyy:year>/<mm:month>/<dd:day>/<uslug:slug>/"

urlpatterns = [
    path("comments/", views.recent_comments, name="recent"),
    path("comments/feed/", feeds.CommentFeed(), name="feed"),
    path("comments/feed/atom/", feeds.atom_of_comments(feeds.CommentFeed)(), name="feed-atom"),
    path(f"{PERMALINK}comment/", views.post_comment, name="post-comment"),
    # WordPress's addresses for the further pages of a post's comments.
    path(f"{PERMALINK}comment-page-<str:number>/", views.comment_page, name="page"),
    path(f"{PERMALINK}feed/", feeds.PostCommentFeed(), name="post-feed"),
    path(
        f"{PERMALINK}feed/atom/",
        feeds.atom_of_comments(feeds.PostCommentFeed)(),
        name="post-feed-atom",
    ),
    path("<blogpath:path>/comments/feed/", feeds.PathCommentFeed(), name="path-feed"),
    path(
        "<blogpath:path>/comments/feed/atom/",
        feeds.atom_of_comments(feeds.PathCommentFeed)(),
        name="path-feed-atom",
    ),
]
