from django.db import migrations


class RunSQLOnSQLite(migrations.RunSQL):
    """The full-text index is an FTS5 table on SQLite; PostgreSQL has its vector column."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "sqlite":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "sqlite":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def index_existing_posts(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(
        """INSERT INTO blog_post_search (rowid, title, tags, body)
            SELECT post.id, post.title, coalesce((
                SELECT group_concat(tag.name, ' ') FROM blog_taggedpost tagged
                JOIN taggit_tag tag ON tag.id = tagged.tag_id
                WHERE tagged.content_object_id = post.id
            ), ''), post.body_text
            FROM blog_post post"""
    )


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0018_body_text_without_heading_signs"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        RunSQLOnSQLite(
            sql=[
                # Words are stemmed ("walking" finds "walk") and accents dropped ("cafe" finds
                # "café"); the row of a deleted post goes with it, however it is deleted.
                """CREATE VIRTUAL TABLE blog_post_search USING fts5(
                    title, tags, body, tokenize = 'porter unicode61 remove_diacritics 2'
                )""",
                """CREATE TRIGGER blog_post_search_delete AFTER DELETE ON blog_post BEGIN
                    DELETE FROM blog_post_search WHERE rowid = old.id;
                END""",
            ],
            reverse_sql=[
                "DROP TRIGGER blog_post_search_delete",
                "DROP TABLE blog_post_search",
            ],
        ),
        migrations.RunPython(index_existing_posts, migrations.RunPython.noop, elidable=True),
    ]
