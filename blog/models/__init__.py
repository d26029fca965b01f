from .autosaves import Autosave
from .images import PostImage
from .paths import (
    MAX_PATH_LENGTH,
    Path,
    PathRedirect,
    Subpath,
    make_segment,
    split_path,
    validate_segment,
)
from .posts import (
    LINK_FIELDS,
    LegacyUrl,
    Page,
    Post,
    PostRevision,
    TaggedPost,
    TagRedirect,
    next_change_by_clock,
    post_from_share_token,
    related_posts_of,
    save_new_posts,
    unique_slug,
)
from .webmentions import SentWebmention

__all__ = [
    "LINK_FIELDS",
    "MAX_PATH_LENGTH",
    "Autosave",
    "LegacyUrl",
    "Page",
    "Path",
    "PathRedirect",
    "Post",
    "PostImage",
    "PostRevision",
    "SentWebmention",
    "Subpath",
    "TagRedirect",
    "TaggedPost",
    "make_segment",
    "next_change_by_clock",
    "post_from_share_token",
    "related_posts_of",
    "save_new_posts",
    "split_path",
    "unique_slug",
    "validate_segment",
]
