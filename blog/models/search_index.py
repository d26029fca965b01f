"""The full-text index of posts on SQLite: an FTS5 table (migration 0018) with one row per post,
its rowid the post's id, its columns the title, the tag names and the body's plain text. It is
written here (PostQuerySet.refresh_search_vectors, once per transaction on commit) and read by
blog.search; a trigger removes the row of a deleted post. PostgreSQL keeps a vector column
instead and has no such table."""

from django.core.exceptions import EmptyResultSet
from django.db import connection

TABLE = "blog_post_search"
COLUMNS = ("title", "tags", "body")  # the order bm25() weighs and snippet() numbers them in


def store(posts):
    """Write (again) the index rows of `posts`, a queryset; returns how many were written."""
    try:
        ids_sql, ids_params = posts.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # (pk__in=[]: a tag no post carries was renamed or deleted)
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE rowid IN ({ids_sql})", ids_params)
        cursor.execute(
            f"""INSERT INTO {TABLE} (rowid, title, tags, body)
                SELECT post.id, post.title, coalesce((
                    SELECT group_concat(tag.name, ' ') FROM blog_taggedpost tagged
                    JOIN taggit_tag tag ON tag.id = tagged.tag_id
                    WHERE tagged.content_object_id = post.id
                ), ''), post.body_text
                FROM blog_post post WHERE post.id IN ({ids_sql})""",
            ids_params,
        )
        return cursor.rowcount
