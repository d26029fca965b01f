from django.db import migrations


def drop_heading_signs(apps, schema_editor):
    """The plain text of posts with headings, again without their "¶" links (search snippets
    showed them). PostgreSQL's vectors never held the sign: they stay as they are."""
    from blog.markup import plain_text

    Post = apps.get_model("blog", "Post")
    batch = []
    posts = Post.objects.filter(body_html__contains='class="headerlink"').only("pk", "body_html")
    for post in posts.iterator(chunk_size=1000):
        post.body_text = plain_text(post.body_html)
        batch.append(post)
        if len(batch) == 1000:
            Post.objects.bulk_update(batch, ["body_text"])
            batch = []
    Post.objects.bulk_update(batch, ["body_text"])


class Migration(migrations.Migration):
    dependencies = [("blog", "0017_post_title_optional")]

    operations = [
        migrations.RunPython(drop_heading_signs, migrations.RunPython.noop, elidable=True),
    ]
