import random
import time
from itertools import islice
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

BATCH = 2000  # rows rendered and stored at a time: nothing else grows with the scale
GALLERY_CANDIDATES = 100  # picture posts remembered for --galleries


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
        specs = generate_posts(count=posts, author_count=authors, seed=seed, now=timezone.now())
        self.stdout.write(f"Generating, rendering and saving {posts} posts…")
        published, picture_posts = self.save_posts(specs, posts, people, paths, workers)
        self.stdout.write(f"Posts saved after {time.monotonic() - started:.1f} s.")
        comment_count = self.save_comments(published, comments, seed, workers)
        self.stdout.write(f"Comments saved after {time.monotonic() - started:.1f} s.")
        picture_count = self.make_galleries(picture_posts[:galleries], seed)
        retire()  # bulk writes bypass the models' save(): retire the cached pages here
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Done in {elapsed:.1f} s: {posts} posts, {comment_count} comments, "
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

    def save_posts(self, specs, count, people, paths, workers):
        """Render and store the posts BATCH at a time. Returns what comments and galleries
        need of them, and no more: (pk, published_at) of the published posts, and the pks of
        the published picture posts (at most GALLERY_CANDIDATES)."""
        taken = set(Post.objects.values_list("pub_date", "slug"))
        tags = {}
        published, picture_posts, done = [], [], 0
        with _pool(workers) as pool:
            while batch_specs := list(islice(specs, BATCH)):
                batch = [self.new_post(spec, people, paths, taken) for spec in batch_specs]
                jobs = [(post.body, f"{post.pub_date:%Y%m%d}-{post.slug}-") for post in batch]
                for post, rendered in zip(
                    batch, pool.map(render_one, jobs, chunksize=50), strict=True
                ):
                    post.body_html, post.excerpt_html, post.body_text = rendered
                for name in {name for spec in batch_specs for name in spec.tags} - tags.keys():
                    tags[name] = Tag.objects.get_or_create(name=name)[0]
                with transaction.atomic():
                    Post.objects.bulk_create(batch)
                    TaggedPost.objects.bulk_create(
                        TaggedPost(content_object=post, tag=tags[name])
                        for post, spec in zip(batch, batch_specs, strict=True)
                        for name in spec.tags
                    )
                    Post.objects.filter(pk__in=[post.pk for post in batch]).refresh_search_vectors()
                for post in batch:
                    if post.is_published:
                        published.append((post.pk, post.published_at))
                        if post.path.full_path == "/diary/pictures":
                            picture_posts.append(post.pk)
                del picture_posts[GALLERY_CANDIDATES:]
                done += len(batch)
                self.stdout.write(f"  posts: {done}/{count}")
        return published, picture_posts

    @staticmethod
    def new_post(spec, people, paths, taken):
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
        return post

    def make_galleries(self, post_ids, seed):
        """Upload generated pictures to these published picture posts and show the first of
        them in the body, as an author would."""
        rng = random.Random(seed)
        made = 0
        for post in Post.objects.filter(pk__in=post_ids).order_by("pk"):
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

    def save_comments(self, published, count, seed, workers):
        """Comments on the `published` posts ((pk, published_at) each), rendered and stored
        BATCH at a time, each parent before its replies."""
        if not published or not count:
            return 0
        specs = generate_comments(
            post_dates=[published_at for _pk, published_at in published],
            count=count,
            seed=seed,
            now=timezone.now(),
        )
        stored = {}  # index -> (pk, root's index, post number) of the posts being stored
        done = 0
        with _pool(workers) as pool:
            while batch_specs := list(islice(specs, BATCH)):
                bodies = pool.map(render_comment, [spec.body for spec in batch_specs], 200)
                # Replies answer comments of their own post only: forget the other posts'.
                post_numbers = {spec.post for spec in batch_specs}
                stored = {index: row for index, row in stored.items() if row[2] in post_numbers}
                self.store_comments(batch_specs, bodies, done, published, stored)
                done += len(batch_specs)
                refresh_comment_counts({published[spec.post][0] for spec in batch_specs})
                self.stdout.write(f"  comments: {done}/{count}")
        return done

    @staticmethod
    def store_comments(specs, bodies, first, published, stored):
        """Store one batch level by level (top-level comments, then their replies, …): every
        parent is stored before its replies, so each reply is inserted with its parent and
        root, and nothing is updated afterwards. `stored` learns the new ones."""
        made = [
            Comment(
                post_id=published[spec.post][0],
                depth=spec.depth,
                author_name=spec.name,
                author_email=spec.email,
                author_url=spec.url,
                body=spec.body,
                body_html=body_html,
                created_at=spec.created_at,
                status=spec.status,
            )
            for spec, body_html in zip(specs, bodies, strict=True)
        ]
        with transaction.atomic():
            for depth in sorted({spec.depth for spec in specs}):
                level = [
                    (first + number, comment, spec)
                    for number, (comment, spec) in enumerate(zip(made, specs, strict=True))
                    if spec.depth == depth
                ]
                roots = {}
                for index, comment, spec in level:
                    roots[index] = index
                    if spec.parent is not None:
                        parent_pk, root, _post = stored[spec.parent]
                        comment.parent_id, roots[index] = parent_pk, root
                        comment.root_id = stored[root][0]
                Comment.objects.bulk_create([comment for _index, comment, _spec in level])
                for index, comment, spec in level:
                    stored[index] = (comment.pk, roots[index], spec.post)


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

    def map(self, function, items, chunksize=1):
        return list(map(function, items))
