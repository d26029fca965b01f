"""PostgreSQL: the index by time of blog_search_entry carries every column a search reads (the
vector, path, author, year and tags) for the rows small enough to be carried, so that finding the
newest matches of a common word reads that index alone (an index-only scan) instead of a table
row per post looked at: at 100,000 posts, ranking the 500 newest of 12,000 matches went from
7 ms to 2.5 ms. A B-tree entry holds at most 2,704 bytes: a long post's vector does not fit, so
the rows whose vector and tags could pass that (SMALL_ENOUGH, an upper bound of their size) have
an index by time of their own without them, and search reads both indexes merged in order
(blog.search.newest_matches_ranked). The table is vacuumed after fewer changes than the default,
so that the newest posts' pages, the ones a search reads first, are soon known to be visible."""

from django.db import migrations

# The same expression as blog.search.SMALL_ENOUGH (frozen here): a row whose vector, as text, with
# 4 bytes a lexeme (the stored form's entries) and 8 a tag id, stays under 2,400 bytes; the
# planner uses the partial indexes only for a query that names it word for word.
SMALL_ENOUGH = "octet_length(vector::text) + 4 * length(vector) + 8 * cardinality(tag_ids) < 2400"

FORWARD = [
    "DROP INDEX blog_search_entry_newest",
    f"""CREATE INDEX blog_search_entry_newest ON blog_search_entry
        (published_at DESC, post_id DESC) INCLUDE (vector, path_id, author_id, year, tag_ids)
        WHERE listed AND {SMALL_ENOUGH}""",
    f"""CREATE INDEX blog_search_entry_newest_long ON blog_search_entry
        (published_at DESC, post_id DESC) WHERE listed AND NOT ({SMALL_ENOUGH})""",
    """ALTER TABLE blog_search_entry SET (autovacuum_vacuum_scale_factor = 0.02,
        autovacuum_vacuum_insert_scale_factor = 0.02)""",
]

BACKWARD = [
    "ALTER TABLE blog_search_entry RESET (autovacuum_vacuum_scale_factor,"
    " autovacuum_vacuum_insert_scale_factor)",
    "DROP INDEX blog_search_entry_newest_long",
    "DROP INDEX blog_search_entry_newest",
    """CREATE INDEX blog_search_entry_newest ON blog_search_entry
        (published_at DESC, post_id DESC) WHERE listed""",
]


def run_on_postgres(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("blog", "0025_post_comments_version")]

    operations = [migrations.RunPython(run_on_postgres(FORWARD), run_on_postgres(BACKWARD))]
