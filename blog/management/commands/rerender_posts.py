import time

from django.core.management.base import BaseCommand
from django.db import transaction

from blog.models import Post

BATCH = 500


class Command(BaseCommand):
    help = "Render every stored post body again (run it after the Markdown pipeline changes)."

    def handle(self, *args, **options):
        started = time.monotonic()
        total = Post.objects.count()
        done = changed = 0
        batch = []
        posts = Post.objects.only("id", "body", "body_html", "excerpt_html", "published_at", "slug")
        for post in posts.prefetch_related("images").iterator(BATCH):
            old_html, old_excerpt = post.body_html, post.excerpt_html
            post.render()
            changed += (post.body_html, post.excerpt_html) != (old_html, old_excerpt)
            batch.append(post)
            if len(batch) == BATCH:
                done += self.flush(batch, total, done)
        done += self.flush(batch, total, done)
        self.stdout.write(
            self.style.SUCCESS(
                f"Rendered {done} posts in {time.monotonic() - started:.1f} s; {changed} changed."
            )
        )

    def flush(self, batch, total, done):
        if not batch:
            return 0
        with transaction.atomic():
            Post.objects.bulk_update(batch, ["body_html", "excerpt_html", "pub_date"])
        self.stdout.write(f"  {done + len(batch)}/{total}")
        count = len(batch)
        batch.clear()
        return count
