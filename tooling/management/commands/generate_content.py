import random
import time
from multiprocessing import get_context

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag

from blog.markup import plain_text, render_comment, render_post
from blog.models import Path, Post, PostImage, TaggedPost, unique_slug
from comments.models import Comment, refresh_comment_counts
from pagecache import retire
from tooling.demo import (
    AUTHORS,
    PATH_TITLES,
    PATH_TREE,
    draw_picture,
    generate_comments,
    generate_posts,
)

BATCH = 2000


def render_one(job):
    body, id_prefix = job
    rendered = render_post(body, id_prefix=id_prefix)
    return rendered.html, rendered.excerpt_html, plain_text(rendered.html)


class Command(BaseCommand):
    help = "Fill the database with realistic synthetic authors, paths, tags and posts."

    def add_arguments(self, parser):
        parser.add_argument("--posts", type=int, default=400)
        parser.add_argument("--authors", type=int, default=5)
        parser.add_argument("--comments", type=int, default=600)
        parser.add_argument(
            "--galleries", type=int, default=4, help="Picture posts given uploaded galleries."
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when there are posts already."
        )
        parser.add_argument(
            "--workers", type=int, default=2, help="Processes rendering Markdown (1: none)."
        )

    def handle(
        self, *args, posts, authors, comments, galleries, seed, if_empty, workers, **options
    ):
        if if_empty and Post.objects.exists():
            self.stdout.write("There are posts already; nothing generated.")
            return
        if not 1 <= authors <= len(AUTHORS):
            raise CommandError(f"--authors must be between 1 and {len(AUTHORS)}.")
        if posts < 0 or comments < 0:
            raise CommandError("--posts and --comments cannot be negative.")
        started = time.monotonic()
        people = self.make_authors(authors)
        paths = self.make_paths()
        specs = list(
            generate_posts(count=posts, author_count=authors, seed=seed, now=timezone.now())
        )
        self.stdout.write(f"Generated the text of {len(specs)} posts; rendering and saving…")
        created = self.save_posts(specs, people, paths, workers)
        self.stdout.write(f"Posts saved after {time.monotonic() - started:.1f} s.")
        comment_count = self.save_comments(created, comments, seed, workers)
        self.stdout.write(f"Comments saved after {time.monotonic() - started:.1f} s.")
        picture_count = self.make_galleries(created, galleries, seed)
        retire()  # bulk writes bypass the models' save(): retire the cached pages here
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Done in {elapsed:.1f} s: {len(created)} posts, {comment_count} comments, "
                f"{picture_count} pictures, "
                f"{len(people)} authors, {Path.objects.count()} paths, {Tag.objects.count()} tags."
            )
        )

    def make_authors(self, count):
        User = get_user_model()
        people = []
        for username, display_name, bio in AUTHORS[:count]:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "display_name": display_name,
                    "bio": bio,
                    "email": f"{username}@example.com",
                },
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            people.append(user)
        return people

    def make_paths(self):
        paths = {full_path: Path.objects.ensure(full_path) for full_path in PATH_TREE}
        for full_path, title in PATH_TITLES.items():
            Path.objects.filter(full_path=full_path, title="").update(title=title)
        return paths

    def save_posts(self, specs, people, paths, workers):
        taken = set(Post.objects.values_list("pub_date", "slug"))
        posts = []
        for spec in specs:
            post = Post(
                title=spec.title,
                body=spec.body,
                author=people[spec.author],
                path=paths[spec.path],
                published_at=spec.published_at,
                status=Post.Status.DRAFT if spec.is_draft else Post.Status.PUBLISHED,
            )
            post.pub_date = timezone.localdate(post.published_at)
            base = slugify(post.title)[:200] or "post"
            post.slug = unique_slug(base, lambda slug, day=post.pub_date: (day, slug) in taken)
            taken.add((post.pub_date, post.slug))
            posts.append(post)
        jobs = [(post.body, f"{post.pub_date:%Y%m%d}-{post.slug}-") for post in posts]
        names = sorted({name for spec in specs for name in spec.tags})
        tags = {name: Tag.objects.get_or_create(name=name)[0] for name in names}
        done = 0
        with _pool(workers) as pool:
            rendered = pool.imap(render_one, jobs, chunksize=50)
            for start in range(0, len(posts), BATCH):
                batch = posts[start : start + BATCH]
                for post in batch:
                    post.body_html, post.excerpt_html, post.body_text = next(rendered)
                with transaction.atomic():
                    Post.objects.bulk_create(batch)
                    TaggedPost.objects.bulk_create(
                        TaggedPost(content_object=post, tag=tags[name])
                        for post, spec in zip(batch, specs[start : start + BATCH], strict=True)
                        for name in spec.tags
                    )
                    Post.objects.filter(pk__in=[post.pk for post in batch]).refresh_search_vectors()
                done += len(batch)
                self.stdout.write(f"  posts: {done}/{len(posts)}")
        return posts

    def make_galleries(self, posts, count, seed):
        """Upload generated pictures to the first `count` published picture posts and show
        the first of them in the body, as an author would."""
        rng = random.Random(seed)
        chosen = [p for p in posts if p.is_published and p.path.full_path == "/diary/pictures"]
        made = 0
        for post in chosen[:count]:
            pictures = []
            for number in range(rng.randint(3, 6)):
                picture = PostImage(
                    post=post,
                    alt=f"A generated landscape, number {number + 1}",
                    caption=f"Hills, picture {number + 1}",
                    order=number,
                )
                upload = SimpleUploadedFile("landscape.png", draw_picture(rng))
                picture.set_upload(upload)
                picture.save()
                pictures.append(picture)
            post.body += f"\n\n{pictures[0].reference}"
            Post.objects.filter(pk=post.pk).update(body=post.body)
            post.refresh_html()
            made += len(pictures)
        return made

    def save_comments(self, posts, count, seed, workers):
        """Comments on the published posts among `posts`, each parent stored before its replies."""
        now = timezone.now()
        targets = [post for post in posts if post.is_published]
        if not targets or not count:
            return 0
        specs = generate_comments(
            post_dates=[post.published_at for post in targets], count=count, seed=seed, now=now
        )
        comments = [
            Comment(
                post=targets[spec.post],
                depth=spec.depth,
                author_name=spec.name,
                author_email=spec.email,
                author_url=spec.url,
                body=spec.body,
                created_at=spec.created_at,
                status=spec.status,
            )
            for spec in specs
        ]
        with _pool(workers) as pool:
            rendered = pool.imap(render_comment, [spec.body for spec in specs], chunksize=200)
            for number, comment in enumerate(comments, start=1):
                comment.body_html = next(rendered)
                if number % 50_000 == 0 or number == len(comments):
                    self.stdout.write(f"  comments rendered: {number}/{len(comments)}")
        # Level by level (top-level comments, then their replies, …): every parent is stored
        # before its replies, so each reply is inserted with its parent_id and nothing is
        # updated afterwards.
        done = 0
        for depth in sorted({spec.depth for spec in specs}):
            level = [
                (comment, spec)
                for comment, spec in zip(comments, specs, strict=True)
                if spec.depth == depth
            ]
            for comment, spec in level:
                if spec.parent is not None:
                    comment.parent_id = comments[spec.parent].pk
            for start in range(0, len(level), BATCH):
                batch = [comment for comment, _spec in level[start : start + BATCH]]
                Comment.objects.bulk_create(batch)
                done += len(batch)
                self.stdout.write(f"  comments: {done}/{len(comments)}")
        refresh_comment_counts([post.pk for post in targets])
        return len(comments)


def _pool(workers):
    """Processes that render Markdown, or this process alone when workers is 1."""
    if workers <= 1:
        return _Serial()
    if not connection.in_atomic_block:
        connection.close()  # forked workers never use it; closing it first is tidier still
    return get_context("fork").Pool(workers)


class _Serial:
    """A stand-in for a process pool that renders in this process."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def imap(self, function, items, chunksize=1):
        return map(function, items)
