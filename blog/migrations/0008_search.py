import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.conf import settings
from django.db import migrations, models


class AddIndexOnPostgres(migrations.AddIndex):
    """A GIN index exists on PostgreSQL only; SQLite searches without it."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def fill_search_fields(apps, schema_editor):
    """Plain text and search vectors for the posts that exist."""
    from blog.markup import plain_text

    Post = apps.get_model("blog", "Post")
    batch = []
    for post in Post.objects.only("pk", "body_html").iterator(chunk_size=1000):
        post.body_text = plain_text(post.body_html)
        batch.append(post)
        if len(batch) == 1000:
            Post.objects.bulk_update(batch, ["body_text"])
            batch = []
    Post.objects.bulk_update(batch, ["body_text"])
    if schema_editor.connection.vendor == "postgresql":
        config = settings.BLOG_SEARCH_CONFIG
        schema_editor.execute(
            """UPDATE blog_post SET search_vector =
                setweight(to_tsvector(%s::regconfig, title), 'A')
                || setweight(to_tsvector(%s::regconfig, coalesce((
                    SELECT string_agg(t.name, ' ') FROM blog_taggedpost tp
                    JOIN taggit_tag t ON t.id = tp.tag_id WHERE tp.content_object_id = blog_post.id
                ), '')), 'B')
                || setweight(to_tsvector(%s::regconfig, body_text), 'C')""",
            [config, config, config],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0007_postimage_source_url"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="body_text",
            field=models.TextField(
                blank=True, editable=False, help_text="The rendered body as plain text, for search."
            ),
        ),
        migrations.AddField(
            model_name="post",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        AddIndexOnPostgres(
            model_name="post",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_vector"], name="post_search"
            ),
        ),
        migrations.RunPython(fill_search_fields, migrations.RunPython.noop, elidable=True),
    ]
