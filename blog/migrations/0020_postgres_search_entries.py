"""Search on PostgreSQL reads a narrow table of its own, blog_search_entry: one row per post
with its search vector, its publication time, whether readers' listings show it, and what search
narrows by (path, author, year, tags: each with an index, so that a narrowed search intersects
indexes instead of reading a row per match). The posts'
table holds every post's text several times over (about 5 kB a row): walking it newest first
to find the newest matches of a common word reads a page of it per post, half a second at
100,000 posts; the narrow table (about 1 kB a row) stays in memory and answers in milliseconds.
A trigger keeps it in step with blog_post, however a post is written (save, update(), import);
a post's deletion takes its row with it, and emptying the posts' table (TRUNCATE: a test
database being flushed) empties it too. No foreign key: the table is no Django model, and one
would stop Django's flush from truncating blog_post. SQLite has its FTS5 table (0019) instead."""

from django.db import migrations

# Which posts readers' listings show (PostQuerySet.published(), but for the time, which the
# search compares with now): tests/blog/test_search.py proves the two agree for every state.
LISTED = "NEW.status = 'published' AND NEW.kind = 'post'"

# A post's tags, read when its search vector is written (which a change of its tags brings about:
# PostQuerySet.refresh_search_vectors, on commit).
TAG_IDS = (
    "ARRAY(SELECT tag_id FROM blog_taggedpost WHERE content_object_id = {post} ORDER BY tag_id)"
)

FORWARD = [
    """CREATE TABLE blog_search_entry (
        post_id bigint PRIMARY KEY,
        published_at timestamptz NOT NULL,
        listed boolean NOT NULL,
        vector tsvector,
        path_id bigint,
        author_id bigint,
        year integer,
        tag_ids bigint[] NOT NULL DEFAULT '{}'
    )""",
    """CREATE INDEX blog_search_entry_vector ON blog_search_entry USING gin (vector)
        WHERE listed""",
    """CREATE INDEX blog_search_entry_newest ON blog_search_entry
        (published_at DESC, post_id DESC) WHERE listed""",
    "CREATE INDEX blog_search_entry_tags ON blog_search_entry USING gin (tag_ids) WHERE listed",
    "CREATE INDEX blog_search_entry_path ON blog_search_entry (path_id) WHERE listed",
    "CREATE INDEX blog_search_entry_author ON blog_search_entry (author_id) WHERE listed",
    "CREATE INDEX blog_search_entry_year ON blog_search_entry (year) WHERE listed",
    f"""CREATE FUNCTION blog_search_entry_sync() RETURNS trigger AS $$
    BEGIN
        INSERT INTO blog_search_entry
            (post_id, published_at, listed, vector, path_id, author_id, year, tag_ids)
        VALUES (NEW.id, NEW.published_at, {LISTED}, NEW.search_vector, NEW.path_id,
            NEW.author_id, extract(year FROM NEW.pub_date), {TAG_IDS.format(post="NEW.id")})
        ON CONFLICT (post_id) DO UPDATE SET published_at = EXCLUDED.published_at,
            listed = EXCLUDED.listed, vector = EXCLUDED.vector, path_id = EXCLUDED.path_id,
            author_id = EXCLUDED.author_id, year = EXCLUDED.year, tag_ids = EXCLUDED.tag_ids;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER blog_search_entry_sync
        AFTER INSERT OR UPDATE OF status, kind, published_at, pub_date, search_vector, path_id,
            author_id ON blog_post
        FOR EACH ROW EXECUTE FUNCTION blog_search_entry_sync()""",
    """CREATE FUNCTION blog_search_entry_forget() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            TRUNCATE blog_search_entry;
        ELSE
            DELETE FROM blog_search_entry WHERE post_id = OLD.id;
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER blog_search_entry_forget AFTER DELETE ON blog_post
        FOR EACH ROW EXECUTE FUNCTION blog_search_entry_forget()""",
    """CREATE TRIGGER blog_search_entry_forget_all AFTER TRUNCATE ON blog_post
        FOR EACH STATEMENT EXECUTE FUNCTION blog_search_entry_forget()""",
    f"""INSERT INTO blog_search_entry
            (post_id, published_at, listed, vector, path_id, author_id, year, tag_ids)
        SELECT id, published_at, {LISTED.replace("NEW.", "")}, search_vector, path_id, author_id,
            extract(year FROM pub_date), {TAG_IDS.format(post="blog_post.id")} FROM blog_post""",
    # The posts' own GIN index is read by nothing any more.
    "DROP INDEX IF EXISTS post_search",
]

BACKWARD = [
    "DROP TRIGGER blog_search_entry_forget_all ON blog_post",
    "DROP TRIGGER blog_search_entry_forget ON blog_post",
    "DROP FUNCTION blog_search_entry_forget()",
    "DROP TRIGGER blog_search_entry_sync ON blog_post",
    "DROP FUNCTION blog_search_entry_sync()",
    "DROP TABLE blog_search_entry",
    "CREATE INDEX IF NOT EXISTS post_search ON blog_post USING gin (search_vector)",
]


class RunSQLOnPostgres(migrations.RunSQL):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("blog", "0019_sqlite_search_index")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="post", name="post_search"),
            ],
        ),
        RunSQLOnPostgres(sql=FORWARD, reverse_sql=BACKWARD),
    ]
