from .images import PostImage
from .paths import MAX_PATH_LENGTH, Path, Subpath, split_path, validate_segment
from .posts import Post, PostRevision, TaggedPost, post_from_share_token, unique_slug

__all__ = [
    "MAX_PATH_LENGTH",
    "Path",
    "Post",
    "PostImage",
    "PostRevision",
    "Subpath",
    "TaggedPost",
    "post_from_share_token",
    "split_path",
    "unique_slug",
    "validate_segment",
]
