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
    comments_cache_key,
    next_change_by_clock,
    post_from_share_token,
    related_posts_of,
    retire_comments_of,
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
    "comments_cache_key",
    "make_segment",
    "next_change_by_clock",
    "post_from_share_token",
    "related_posts_of",
    "retire_comments_of",
    "split_path",
    "unique_slug",
    "validate_segment",
]
