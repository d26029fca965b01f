import contextlib
import copy
import ipaddress
import multiprocessing
import os
import re
import tempfile
import time
import unicodedata
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from html import escape, unescape
from pathlib import Path as FilePath
from urllib.parse import unquote, urlsplit

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from taggit.models import Tag

from blog.converters import slug_of
from blog.markup import render_comment
from blog.models import (
    LegacyUrl,
    Path,
    PathRedirect,
    Post,
    PostImage,
    TaggedPost,
    TagRedirect,
    make_segment,
    save_new_posts,
)
from comments.models import Comment, refresh_comment_counts
from tooling import shortcodes, wxr
from tooling import wordpress_pictures as pictures

# What WordPress kept from the public, and why; such a post is imported as a draft (its
# comments with it), and the summary lists it.
HELD_BACK = {
    "private": "private",
    "draft": "a draft",
    "pending": "pending review",
    "trash": "in the trash",
    "auto-draft": "an automatic draft",
    "inherit": "a revision",
}
# WordPress's statuses and ours; a post in any other status is a draft. "future" is Scheduled:
# published with a time to come. "pending" stays waiting for review (still held back).
POST_STATUS = {"publish": Post.Status.PUBLISHED, "future": Post.Status.PUBLISHED}
HELD_BACK_STATUS = {"pending": Post.Status.PENDING}
COMMENT_STATUS = {
    "1": Comment.Status.APPROVED,
    "0": Comment.Status.PENDING,
    "spam": Comment.Status.SPAM,
    "trash": Comment.Status.REMOVED,
}
IMPORTED_TYPES = {"post", "page"}
# The block editor's galleries: a list of pictures (WordPress 5), or pictures in the figure
# itself (has-nested-images, WordPress 5.9 on).
BLOCK_GALLERY = re.compile(
    r"""(class=["'])((?:blocks-gallery-grid|wp-block-gallery has-nested-images)\b)"""
)
PICTURE_NUMBER = re.compile(r"\(image:(\d+)")
NOT_IMPORTED = {
    "attachment": "  the pictures among them are imported with the posts that show them",
    "nav_menu_item": "  not imported: the site navigation lists the top-level pages",
    "revision": "  not imported: earlier versions",
}


# Items are read and checked, then written, this many at a time (a progress line after each).
BATCH = 200
# From this many comments in the file on, a second process renders the comments of the next
# batch while this one writes the current one (with render_comment, as Comment.render does).
RENDER_AHEAD_FROM = 2000


class Skip(Exception):
    """An item that cannot be imported; the message says why."""


class Entry:
    """An item on its way in: its key, the post's fields and tags (body: the source as the
    export has it), and what is known of the post stored from an earlier import."""

    def __init__(self, item, attachments, key, fields, tags):
        self.item, self.attachments, self.key, self.fields, self.tags = (
            item,
            attachments,
            key,
            fields,
            tags,
        )
        self.post = None  # the stored post, when the batch read it
        self.body = None  # the body with its pictures on the copies here
        self.shown, self.unresolved = 0, []  # pictures shown from copies, left as links
        self.is_new, self.comments_created = False, 0


class Command(BaseCommand):
    help = "Import a WordPress export (WXR 1.1 or 1.2): authors, paths, tags, posts, comments."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .xml file from WordPress's Tools → Export.")
        parser.add_argument("--dry-run", action="store_true", help="Report, write nothing.")
        parser.add_argument("--default-author", help="Username for posts without a known author.")
        parser.add_argument("--media-dir", help="Folder with the wp-content/uploads files.")
        parser.add_argument(
            "--fetch-media",
            action="store_true",
            help="Download pictures not under --media-dir from the old site (only from the "
            "hosts the export names).",
        )

    def handle(self, *args, file, dry_run, default_author, media_dir, fetch_media, **options):
        started = time.monotonic()
        try:
            with open(file, "rb") as stream:
                site = wxr.read(stream)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        except wxr.WxrError as error:
            raise CommandError(f"{file}: {error} Nothing was imported.") from None
        self.counts, self.skipped, self.held_back = Counter(), [], []
        self.shortcodes_converted, self.shortcodes_left = Counter(), Counter()
        self.skipped_shortcodes, self.unresolved = [], {}  # unresolved: URL → items showing it
        self.dry_run = dry_run
        if media_dir and not FilePath(media_dir).is_dir():
            raise CommandError(f"--media-dir {media_dir} is not a folder.")
        try:
            with tempfile.TemporaryDirectory() as downloads, transaction.atomic():
                self.media = pictures.MediaSource(
                    FilePath(media_dir) if media_dir else None,
                    pictures.hosts_of(site) if fetch_media else None,
                    FilePath(downloads),
                )
                self.import_site(site, default_author)
                if dry_run:
                    transaction.set_rollback(True)
        except (ValidationError, Skip) as error:
            raise CommandError(f"Nothing was imported: {error}") from None
        self.report(site, time.monotonic() - started)

    def import_site(self, site, default_author):
        self.site_link = site.link.rstrip("/") or "wordpress"
        self.authors = {author.login: self.user_for(author) for author in site.authors}
        self.default_author = self.default_user(default_author)
        if not default_author:
            # Authors the channel does not list (an export of some posts, an older format):
            # made from the items' dc:creator, as WordPress's importer does.
            for login in sorted({i.creator.strip() for i in site.items} - set(self.authors)):
                if login:
                    self.authors[login] = self.user_for(wxr.Author(login=login))
        # Paths are named by the category's slug (WordPress's own address of it); our own
        # exports name them by the path's segment.
        self.ours = site.generator == wxr.GENERATOR
        self.paths = self.paths_for(site.categories)
        self.path_objects = {}  # full path → Path: looked up once per import
        self.keep_tag_slugs(site)
        self.tag_objects = {}  # a tag's name, casefolded → Tag
        # What earlier imports left, read once instead of once per item: the posts' keys,
        # the old addresses and where they lead.
        self.known_keys = set(
            Post.objects.exclude(import_key="").values_list("import_key", flat=True)
        )
        self.legacy_urls = dict(LegacyUrl.objects.values_list("old_url", "post_id"))
        self.new_urls = {}  # old address → LegacyUrl not inserted yet (see store_old_urls)
        self.commented = []  # posts whose comment counts are refreshed at the end
        self.rendered = {}  # (body, markup) → a comment's HTML, rendered ahead (comment_renderer)
        self.pages = {}  # WordPress's post id → the page made of it, for its children
        attachments = {}
        self.attachments = {}  # WordPress's post id → attachment
        self.uploads = {}  # an upload's key (wordpress_pictures.key_of) → attachment
        for item in site.items:
            if item.post_type == "attachment" and item.attachment_url:
                attachments.setdefault(item.post_parent, []).append(item)
                self.attachments[item.post_id] = item
                self.uploads.setdefault(pictures.key_of(item.attachment_url), item)
        self.table = {}  # item type → Counter of read, created, updated, unchanged, held back…
        for item in site.items:
            row = self.table.setdefault(item.post_type or "?", Counter())
            row["read"] += 1
            row[f"status {item.status or '?'}"] += 1
        items = parents_first([item for item in site.items if item.post_type in IMPORTED_TYPES])
        batches = [items[start : start + BATCH] for start in range(0, len(items), BATCH)]
        with self.comment_renderer(site, attachments) as render_ahead:
            ahead = render_ahead(batches[0]) if batches else None
            for number, batch in enumerate(batches):
                following = render_ahead(batches[number + 1]) if number + 1 < len(batches) else None
                self.rendered = ahead()
                self.import_batch(batch, attachments)
                self.stdout.write(f"  items: {number * BATCH + len(batch)}/{len(items)}")
                ahead = following
        self.rendered = {}
        for start in range(0, len(self.commented), 1000):
            refresh_comment_counts(self.commented[start : start + 1000])
        self.keep_merged_tag_slugs()

    # People, paths ---------------------------------------------------------------------------

    def user_for(self, author):
        User = get_user_model()
        username = re.sub(r"[^\w.@+-]", "_", author.login)[:150] or "wordpress-author"
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": author.email,
                "display_name": author.display_name,
                "first_name": author.first_name[:150],
                "last_name": author.last_name[:150],
                "is_active": False,
                "imported_from": "wordpress",
            },
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            self.counts["authors created"] += 1
        return user

    def default_user(self, username):
        User = get_user_model()
        if username:
            try:
                return User.objects.get(username=username)
            except User.DoesNotExist:
                raise Skip(f"--default-author {username!r} is not a user.") from None
        return next(iter(self.authors.values()), None)

    def segment_for(self, nicename, name, *, is_first):
        """A path's part for a category: its slug (percent-decoded), or for our own exports
        the segment the path had; the other made valid when that one is not."""
        slug = unquote(nicename)
        candidates = (name, slug) if self.ours else (slug, name)
        return make_segment(*(c for c in candidates if c.strip()), is_first=is_first)

    def paths_for(self, categories):
        """Nested categories become nested paths, named by their slugs: a map of nicename →
        full path."""
        by_name = {category.nicename: category for category in categories}
        full_paths = {}

        def full_path(category, seen=()):
            if category.nicename in full_paths:
                return full_paths[category.nicename]
            parent = by_name.get(category.parent)
            prefix = ""
            if parent is not None and parent.nicename not in seen:
                prefix = full_path(parent, (*seen, category.nicename))
            segment = self.segment_for(category.nicename, category.name, is_first=not prefix)
            full_paths[category.nicename] = f"{prefix}/{segment}"
            return full_paths[category.nicename]

        def wordpress_address(category, seen=()):
            """/category/parent/child: where WordPress listed the category."""
            parent = by_name.get(category.parent)
            slug = unquote(category.nicename)
            if parent is None or parent.nicename in seen:
                return f"/category/{slug}"
            return f"{wordpress_address(parent, (*seen, category.nicename))}/{slug}"

        paths = {}
        for category in categories:
            path = Path.objects.ensure(full_path(category))
            old_addresses = [wordpress_address(category)]
            if category.term_id.isdigit():
                old_addresses.append(f"/?cat={category.term_id}")  # its short link
            if self.ours:  # our own export: the path's former names, no WordPress addresses
                old_addresses = list(
                    filter(None, category.meta.get(wxr.OLD_URLS_META, "").splitlines())
                )
            for old in old_addresses:
                PathRedirect.objects.update_or_create(
                    old_full_path=old[:255], defaults={"path": path}
                )
                self.counts["old addresses"] += 1
            # The category's name and description, where the path has none of its own.
            title = category.meta.get(wxr.TITLE_META, "") if self.ours else as_text(category.name)
            named = {"title": title[:200], "description": category.description}
            changed = [
                field for field, value in named.items() if value and not getattr(path, field)
            ]
            if changed:
                for field in changed:
                    setattr(path, field, named[field])
                path.save(update_fields=changed)
            paths[category.nicename] = path.full_path
        return paths

    def path_for_category(self, nicename, name):
        """The path of a category: from the channel's list, or (an export of posts only has no
        list) made from the item's own category."""
        full_path = self.paths.get(nicename)
        if full_path is None:
            full_path = "/" + self.segment_for(nicename, name, is_first=True)
            self.paths[nicename] = full_path
        return self.path_named(full_path)

    def path_named(self, full_path):
        if full_path not in self.path_objects:
            self.path_objects[full_path] = Path.objects.ensure(full_path)
        return self.path_objects[full_path]

    # Posts ---------------------------------------------------------------------------------

    def import_batch(self, items, attachments):
        """Read and check each item, then write them in their order: runs of new posts and of
        posts whose own fields have not changed together (see import_together), any other
        item alone, as it always was."""
        entries = []
        for item in items:
            own = attachments.get(item.post_id, [])
            # Comments on an attachment's own page go with the post that shows it.
            item.comments += [c for attachment in own for c in attachment.comments]
            try:
                entries.append(self.entry_for(item, own))
            except (Skip, ValidationError) as reason:
                self.skip(item, reason)
        stored = self.stored_posts(entries)
        run, keys = [], set()
        for entry in entries:
            entry.post = stored.get(entry.key)
            if entry.key not in keys and self.is_routine(entry):
                run.append(entry)
            else:
                self.import_together(run)
                run = []
                self.import_alone(entry)
            keys.add(entry.key)
        self.import_together(run)

    @contextlib.contextmanager
    def comment_renderer(self, site, attachments):
        """render_ahead(batch) → a function giving {(body, markup): HTML} of the comments of
        the batch's new posts, rendered in a second process meanwhile (a large import on a
        machine with cores to spare), or nothing (rendered when needed, here)."""
        comments = sum(len(item.comments) for item in site.items)
        if comments < RENDER_AHEAD_FROM or (os.cpu_count() or 1) < 2:
            yield lambda batch: lambda: {}
            return
        try:
            context = multiprocessing.get_context("fork")
        except ValueError:  # (no fork here)
            yield lambda batch: lambda: {}
            return

        def render_ahead(batch):
            texts = []
            for item in batch:
                key = f"{self.site_link}#post-{item.post_id}" if item.post_id else item.guid
                if key.strip() in self.known_keys:
                    continue  # its comments are mostly there already
                own = attachments.get(item.post_id, [])
                for entry in [*item.comments, *(c for a in own for c in a.comments)]:
                    texts.append((entry.content, entry.meta.get(wxr.MARKUP_META, "html")))
            future = pool.submit(render_comments, texts)

            def rendered():
                try:
                    return dict(zip(texts, future.result(), strict=True))
                except BrokenProcessPool:
                    return {}  # rendered here instead

            return rendered

        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            yield render_ahead

    def entry_for(self, item, attachments):
        # Keyed by the site and WordPress's post id: GUIDs are not unique in real exports
        # (the Theme Unit Test data has two items with one). Older imports were keyed by GUID.
        key = f"{self.site_link}#post-{item.post_id}" if item.post_id else item.guid.strip()
        return Entry(item, attachments, key, self.post_fields(item), self.tags_of(item))

    def skip(self, item, reason):
        message = reason.messages[0] if isinstance(reason, ValidationError) else reason
        self.skipped.append(f"{item.label}: {message}")
        self.table[item.post_type]["skipped"] += 1

    def stored_posts(self, entries):
        """{key: post} of the entries' posts from earlier imports, with their pictures and
        tags: three queries for the batch."""
        keys = [entry.key for entry in entries if entry.key in self.known_keys]
        if not keys:
            return {}
        posts = Post.objects.filter(import_key__in=keys).select_related("author", "path")
        posts = posts.prefetch_related("images", "tagged_items__tag")
        return {post.import_key: post for post in posts}

    def is_routine(self, entry):
        """Whether the item can go with others: a post (not a page), new or with its own
        fields unchanged, with no picture to copy."""
        item, post = entry.item, entry.post
        if item.post_type != "post" or entry.attachments:
            return False
        if post is None and (
            entry.key in self.known_keys or (item.guid.strip() in self.known_keys and item.post_id)
        ):
            return False  # an older import's key, or stored meanwhile: see import_item
        copies = list(post.images.all()) if post is not None else []
        entry.body = self.with_copies(entry.fields["body"], copies, item)
        entry.shown, entry.unresolved = self.last_shown, self.last_unresolved
        if self.wanted_pictures(item, entry.fields["body"], entry.attachments, copies):
            return False
        if post is not None:
            carried = [tagged.tag.name for tagged in post.tagged_items.all()]
            if self.differs(post, {**entry.fields, "body": entry.body}, entry.tags, carried):
                return False
        return True

    def import_together(self, entries):
        """Write routine entries together: the new posts in one insert (save_new_posts), their
        tags in one, the comments of them all level by level, the old addresses in one. Should
        any of it fail, the run is undone and its items are imported one by one (each then
        imported whole or skipped whole, as ever)."""
        if not entries:
            return
        before = self.state()
        try:
            with transaction.atomic():
                self.write_together(entries)
        except (Skip, ValidationError, IntegrityError):
            self.restore(before)
            for entry in entries:
                entry.post = None  # read again, one by one
                self.import_alone(entry)

    def write_together(self, entries):
        new = [entry for entry in entries if entry.post is None]
        for entry in entries:
            entry.is_new = entry.post is None
        for entry in new:
            entry.post = Post(import_key=entry.key, **{**entry.fields, "body": entry.body})
        save_new_posts([entry.post for entry in new])
        TaggedPost.objects.bulk_create(
            TaggedPost(content_object=entry.post, tag=self.tag_named(name))
            for entry in new
            for name in entry.tags
        )
        self.known_keys.update(entry.key for entry in new)
        stored = [e.post.pk for e in entries if not e.is_new and e.item.comments]
        existing = {}
        for comment in Comment.objects.filter(post__in=stored).exclude(import_key=""):
            existing.setdefault(comment.post_id, {})[comment.import_key] = comment
        created, changed = [], {}
        for entry in entries:
            made, changed[entry.key] = self.comments_for(
                entry.post, entry.key, entry.item.comments, existing.get(entry.post.pk, {})
            )
            created += made
            entry.comments_created = len(made)
        self.create_comments(created)
        for entry in entries:
            post = entry.post
            self.note_pictures(entry.item, entry.shown, entry.unresolved)
            comments_changed = self.note_comments(post, entry.comments_created, changed[entry.key])
            urls = self.keep_old_urls(post, entry.item)
            self.legacy_urls.update(urls)
            outcome = "created" if entry.is_new else "unchanged"
            if comments_changed and outcome == "unchanged":
                outcome = "updated"
            self.counts[outcome] += 1
            self.table[entry.item.post_type][outcome] += 1
        self.store_old_urls()

    def state(self):
        """What writing a run changes of this command's own records (see restore)."""
        return copy.deepcopy(
            {
                name: getattr(self, name)
                for name in ("counts", "table", "known_keys", "commented", "unresolved")
            }
        ) | {
            "legacy_urls": dict(self.legacy_urls),
            "tag_objects": dict(self.tag_objects),
            "new_urls": {},
        }

    def restore(self, state):
        for name, value in state.items():
            setattr(self, name, value)

    def import_alone(self, entry):
        """Import one item in a savepoint of its own: whole, or skipped whole."""
        item = entry.item
        try:
            with transaction.atomic():
                outcome, urls = self.import_item(entry)
                self.legacy_urls.update(urls)
                self.counts[outcome] += 1
                self.table[item.post_type][outcome] += 1
        except (Skip, ValidationError) as reason:
            self.new_urls = {}
            self.skip(item, reason)

    def import_item(self, entry):
        item, attachments, key, tags = entry.item, entry.attachments, entry.key, entry.tags
        fields = dict(entry.fields)
        if fields["kind"] == Post.Kind.PAGE:  # its parent page may be from this same batch
            fields["parent"] = self.pages.get(item.post_parent)
        post = Post.objects.filter(import_key=key).first() if key in self.known_keys else None
        if post is None and item.guid.strip() in self.known_keys and item.post_id:
            post = Post.objects.filter(import_key=item.guid.strip()).first()
            if post is not None:
                Post.objects.filter(pk=post.pk).update_quietly(import_key=key)
                post.import_key = key
        source = fields["body"]  # WordPress's HTML: pictures point at the old site
        copies = list(post.images.all()) if post is not None else []
        fields["body"] = self.with_copies(source, copies, item)
        if post is None:
            post = Post(import_key=key, **fields)
            post.save()
            # A new post's tags in one insert, in the order given (what taggit's set() does in
            # several queries a post; saving the post retired pages and queued its search
            # vector, for which the tags are read when the transaction commits).
            TaggedPost.objects.bulk_create(
                TaggedPost(content_object=post, tag=self.tag_named(name)) for name in tags
            )
            self.known_keys.add(key)
            outcome = "created"
        elif self.differs(post, fields, tags):
            for name, value in fields.items():
                setattr(post, name, value)
            post.save()
            post.tags.set(tags)
            outcome = "updated"
        else:
            outcome = "unchanged"
        if self.import_pictures(post, item, source, attachments) and outcome == "unchanged":
            outcome = "updated"
        comments_changed = self.import_comments(post, key, item.comments, new=outcome == "created")
        urls = self.keep_old_urls(post, item)
        self.store_old_urls()
        if post.is_page:
            self.pages[item.post_id] = post
        return ("updated" if comments_changed and outcome == "unchanged" else outcome), urls

    def tag_named(self, name):
        """The tag of that name, whatever its case (TAGGIT_CASE_INSENSITIVE), made if new."""
        folded = name.casefold()
        if folded not in self.tag_objects:
            tag = Tag.objects.filter(name__iexact=name).first()
            if tag is None:
                tag = Tag.objects.create(name=name)
            self.tag_objects[folded] = tag
        return self.tag_objects[folded]

    def post_fields(self, item):
        zone = timezone.get_current_timezone()
        published_at = wxr.parse_date(item.post_date, item.post_date_gmt, zone)
        status = POST_STATUS.get(item.status, Post.Status.DRAFT)
        reason = "password-protected" if item.post_password else HELD_BACK.get(item.status)
        if item.meta.get(wxr.STATE_META) == Post.State.UNLISTED and item.status == "private":
            status, reason = Post.Status.UNLISTED, None  # this engine's own, kept as it was
        elif item.status not in POST_STATUS or item.post_password:
            status = HELD_BACK_STATUS.get(item.status, Post.Status.DRAFT)
            if item.post_password:
                status = Post.Status.DRAFT
            self.held_back.append(f"{item.label}: {reason or f'status {item.status!r}'}")
            self.table[item.post_type]["held back"] += 1
        if published_at is None:
            if status == Post.Status.PUBLISHED:
                raise Skip("it has no date")
            published_at = timezone.now()
        author = self.authors.get(item.creator) or self.default_author
        if author is None:
            raise Skip(f"unknown author {item.creator!r}; give --default-author")
        body, markup = item.content, "html"
        if wxr.MARKUP_META in item.meta:  # exported by this engine: the source comes back
            body, markup = item.meta.get(wxr.SOURCE_META, body), item.meta[wxr.MARKUP_META]
        else:
            converted = shortcodes.convert(body, gallery=self.gallery_of(item))
            # The block editor's galleries are shown as the theme shows [gallery] ones.
            body = BLOCK_GALLERY.sub(r"\1gallery \2", converted.html)
            self.shortcodes_converted.update(converted.converted)
            self.shortcodes_left.update(converted.left)
            if converted.left:
                names = ", ".join(f"[{name}]" for name in sorted(converted.left))
                self.skipped_shortcodes.append(f"{item.label}: {names}")
        summary = item.meta.get(wxr.SUMMARY_META, item.excerpt)
        # WordPress titles are HTML: shown as text, tags dropped, entities decoded once. A post
        # without one stays without (its date and footer carry it); a page is named in the
        # site's navigation, so it gets its first words.
        title = as_text(item.title)
        is_page = item.post_type == "page"
        if is_page and not title:
            title = Truncator(strip_tags(body)).words(8, truncate="…") or "Untitled"
        return {
            "kind": Post.Kind.PAGE if is_page else Post.Kind.POST,
            "title": title[:300],
            "slug": slug_of(unquote(item.post_name)),
            "author": author,
            "path": None if is_page else self.path_of(item),
            "parent": self.pages.get(item.post_parent) if is_page else None,
            "menu_order": as_number(item.menu_order) if is_page else 0,
            "pinned": item.is_sticky.strip() == "1" and not is_page,
            "guid": item.guid.strip()[:500],
            "body": body,
            "markup": markup,
            "summary": summary,
            "status": status,
            "published_at": published_at,
            "allow_comments": item.comment_status != "closed",
        }

    def path_of(self, item):
        # The primary category is the first the item lists.
        for domain, nicename, name in item.categories:
            if domain == "category" and (nicename or name):
                return self.path_for_category(nicename or name, name)
        return self.path_named("/uncategorized")  # WordPress's own default category

    def keep_tag_slugs(self, site):
        """Tags new here take the slug WordPress gave them, so /tag/<slug>/ keeps leading to
        them (see blog.middleware)."""
        spelled = {}  # a name as compared → as first written
        pairs = [(slug, name) for slug, name in site.tags]
        for item in site.items:
            pairs += [
                (slug, name) for domain, slug, name in item.categories if domain == "post_tag"
            ]
        known = set()
        for slug, name in pairs:
            spelled.setdefault(name.strip().casefold(), name.strip())
            known.add((name.strip().casefold(), unquote(slug)))
        self.tag_slugs, self.tag_meta = known, site.tag_meta
        names = Q()
        for name, _slug in known:
            names |= Q(name__iexact=name)
        existing = {tag.name.casefold() for tag in Tag.objects.filter(names)} if known else set()
        for name, slug in sorted(known):
            if name in existing or not slug or Tag.objects.filter(slug=slug).exists():
                continue
            tag = Tag(name=unicodedata.normalize("NFC", spelled[name])[:100], slug=slug[:100])
            tag.slug_is_given = True
            tag.save()
            existing.add(name)

    def keep_merged_tag_slugs(self):
        """WordPress's other slugs of a tag (markup-2, when a category is also named markup)
        lead to the tag they became one with (our own exports list them with the tag)."""
        for slug, meta in self.tag_meta.items():
            tag = Tag.objects.filter(slug=slug).first()
            for old in meta.get(wxr.OLD_URLS_META, "").splitlines() if tag else ():
                TagRedirect.objects.update_or_create(old_slug=old[:200], defaults={"tag": tag})
                self.counts["old addresses"] += 1
        for name, slug in sorted(self.tag_slugs):
            tag = Tag.objects.filter(name__iexact=name).first()
            if tag is None or not slug or Tag.objects.filter(slug=slug).exists():
                continue
            TagRedirect.objects.update_or_create(old_slug=slug[:200], defaults={"tag": tag})
            self.counts["old addresses"] += 1

    def tags_of(self, item):
        """Tags, and the categories after the first (a post has one path)."""
        categories = [name for domain, _nice, name in item.categories if domain == "category"]
        tags = [name for domain, _nice, name in item.categories if domain == "post_tag"]
        # Tags differing only in case are one tag (TAGGIT_CASE_INSENSITIVE), as WordPress's
        # slugs say: "Template" the category and "template" the tag are one.
        unique = {}
        for name in [*tags, *categories[1:]]:
            name = unicodedata.normalize("NFC", name.strip())[:100]
            if name:
                unique.setdefault(name.casefold(), name)
        return sorted(unique.values())

    def differs(self, post, fields, tags, carried=None):
        """carried: the names of the tags the post carries, when read already."""
        current = {name: getattr(post, name) for name in fields}
        slug = fields["slug"]
        if slug == "" or post.slug.startswith(slug + "-"):  # made, or numbered on a clash
            current["slug"] = slug
        if carried is None:
            carried = post.tags.names()
        carried = sorted(name.casefold() for name in carried)
        return current != fields or carried != sorted(name.casefold() for name in tags)

    def keep_old_urls(self, post, item):
        """Register the addresses the item had (they answer 301 to the post): {address: post
        id} of those registered."""
        urls = {
            url[:500]: post.pk
            for url in old_addresses(item) - {"", "/", unquote(post.get_absolute_url())}
        }
        new = [url for url in urls if url not in self.legacy_urls]
        moved = [url for url in urls if self.legacy_urls.get(url, post.pk) != post.pk]
        for url in new:
            self.new_urls[url] = LegacyUrl(old_url=url, post=post)
        for url in [url for url in moved if url in self.new_urls]:
            self.new_urls[url].post = post  # taken from an item of this run
        moved = [url for url in moved if url not in self.new_urls]
        if moved:
            LegacyUrl.objects.filter(old_url__in=moved).update(post=post)
        self.counts["old addresses"] += len(urls)
        return urls

    def store_old_urls(self):
        """Insert the old addresses keep_old_urls() registered, in one statement."""
        new, self.new_urls = list(self.new_urls.values()), {}
        LegacyUrl.objects.bulk_create(new)

    def gallery_of(self, item):
        """[gallery] → the pictures it shows, as <img> of their uploads (imported with the
        post's other pictures): those named by ids=, else the post's own attachments."""

        def gallery(ids):
            if ids is None:
                shown = [a for a in self.attachments.values() if a.post_parent == item.post_id]
            else:
                shown = [self.attachments[i] for i in ids if i in self.attachments]
            images = "".join(
                f'<img src="{escape(a.attachment_url)}" alt="{escape(as_text(a.title))}">'
                for a in shown
            )
            return f'<div class="gallery">{images}</div>' if images else ""

        return gallery

    def with_copies(self, body, copies, item):
        """The body with its picture references on the imported copies; the others stay
        visible as links and are listed (the sanitiser shows no remote pictures)."""
        by_key = {pictures.key_of(copy.source_url): copy for copy in copies if copy.source_url}

        def local(url):
            for key in pictures.keys_of(url):
                upload = self.uploads.get(key)
                if upload is not None:
                    key = pictures.key_of(upload.attachment_url)
                if key in by_key:
                    return by_key[key]
            return None

        if wxr.MARKUP_META in item.meta:
            # Our own export: the source names its pictures as image:N, N the old site's.
            self.last_unresolved, self.last_shown = [], 0
            return self.with_picture_numbers(body, copies, item)
        text, self.last_unresolved = pictures.rewritten(body, local)
        self.last_shown = len(pictures.IMG_TAG.findall(body)) - len(self.last_unresolved)
        return text

    def with_picture_numbers(self, body, copies, item):
        """The references to the exporting site's pictures (image:N in Markdown, the stored
        files' addresses in HTML) on their copies here; a picture not copied keeps its number
        (and shows as missing)."""
        by_url = {copy.source_url: copy for copy in copies}
        numbers = {}
        for upload in self.attachments.values():
            copy = by_url.get(upload.attachment_url[:500])
            if upload.post_parent != item.post_id or copy is None:
                continue
            number, *addresses = upload.meta.get(wxr.IMAGE_META, "").splitlines() or [""]
            numbers[number] = str(copy.pk)
            for old, new in zip(addresses, copy.files, strict=False):
                body = body.replace(old, new.url)
        return PICTURE_NUMBER.sub(
            lambda found: f"(image:{numbers.get(found.group(1), found.group(1))}", body
        )

    def import_pictures(self, post, item, source, attachments):
        """Copies of the pictures the body shows and of the post's attachments, from
        --media-dir or the old site; the body then points at them. True when any was added."""
        copies = list(post.images.all())
        wanted = self.wanted_pictures(item, source, attachments, copies)
        added = []
        for url, upload in [] if self.dry_run else wanted.values():
            picture = self.copy_of(post, url, upload, order=len(copies) + len(added))
            if picture is not None:
                added.append(picture)
        body = self.with_copies(source, copies + added, item)
        self.note_pictures(item, self.last_shown, self.last_unresolved)
        if body != post.body:
            # The pictures' own change: no revision of the post (as save() would keep).
            Post.objects.filter(pk=post.pk).update(body=body)
            post.body = body
            post.refresh_html()
        return bool(added)

    def wanted_pictures(self, item, source, attachments, copies):
        """The pictures to copy that the post has no copy of: {key: (URL to get it from,
        attachment or None)}."""
        have = {pictures.key_of(picture.source_url) for picture in copies}
        wanted = {}
        # Our own export lists every picture as an attachment; its body's links are to them.
        shown = [] if wxr.MARKUP_META in item.meta else pictures.references(source).all
        for reference in [*shown, *attachments]:
            url = getattr(reference, "attachment_url", None) or reference.url
            keys = pictures.keys_of(url)
            upload = next((self.uploads[k] for k in keys if k in self.uploads), None)
            if upload is not None:
                url, keys = upload.attachment_url, [pictures.key_of(upload.attachment_url)]
            if keys and keys[0] not in have:
                wanted.setdefault(keys[0], (url, upload))
        return wanted

    def note_pictures(self, item, shown, unresolved):
        self.counts["pictures shown"] += shown
        self.counts["pictures left as links"] += len(unresolved)
        for url in unresolved:
            labels = self.unresolved.setdefault(url, [])
            if item.label not in labels:
                labels.append(item.label)

    def copy_of(self, post, url, upload, *, order):
        found = self.media.get(url)
        if found is None:
            return None
        name, content = found
        picture = PostImage(
            post=post,
            order=as_number(upload.menu_order) if upload and upload.menu_order != "0" else order,
            source_url=url[:500],
            alt=(as_text(upload.title) if upload else "") or FilePath(name).stem,
            caption=as_text(upload.excerpt)[:300] if upload else "",
        )
        try:
            picture.set_upload(SimpleUploadedFile(name, content))
        except ValidationError as error:
            self.media.refused[url] = error.messages[0]
            return None
        picture.alt = picture.alt[:300]
        picture.save()
        self.counts["pictures imported"] += 1
        return picture

    # Comments ------------------------------------------------------------------------------

    def import_comments(self, post, post_key, entries, *, new):
        """Create or update the post's comments, threads kept; True when anything changed.
        new: the post was just made (it has no comments yet)."""
        if not entries:
            return False
        existing = {} if new else {c.import_key: c for c in post.comments.exclude(import_key="")}
        created, changed = self.comments_for(post, post_key, entries, existing)
        self.create_comments(created)
        return self.note_comments(post, len(created), changed)

    def comments_for(self, post, post_key, entries, existing):
        """The post's new comments, rendered and threaded, not yet inserted; those it had
        (existing: import key → comment) updated where they changed. (new comments, whether
        any stored one changed)"""
        zone = timezone.get_current_timezone()
        by_wordpress_id, created, changed = {}, [], False
        for entry in sorted(entries, key=lambda c: int(c.id) if c.id.isdigit() else 0):
            key = f"{post_key}#comment-{entry.id}"
            status = COMMENT_STATUS.get(entry.approved, Comment.Status.PENDING)
            body, markup = entry.content, entry.meta.get(wxr.MARKUP_META, "html")
            comment = existing.get(key)
            if comment is not None:
                if (comment.status, comment.body) != (status, body):
                    comment.status, comment.body, comment.markup = status, body, markup
                    comment.render()
                    comment.save(update_fields=["status", "body", "body_html", "markup"])
                    changed = True
            else:
                created_at = wxr.parse_date(entry.date, entry.date_gmt, zone) or post.published_at
                comment = Comment(
                    post=post,
                    import_key=key,
                    status=status,
                    body=body,
                    markup=markup,
                    author_name=(as_text(entry.author) or "Anonymous")[:100],
                    author_email=entry.email[:254],
                    author_url=safe_url(entry.url),
                    ip_address=valid_ip(entry.ip),
                    created_at=created_at,
                )
                # The real parent, however deep: pages flatten deep threads when they show them.
                comment.parent = by_wordpress_id.get(entry.parent)
                comment.depth = comment.parent.depth + 1 if comment.parent else 1
                comment.root = comment.parent and (comment.parent.root or comment.parent)
                comment.render(self.rendered)
                created.append(comment)
            by_wordpress_id[entry.id] = comment
        return created, changed

    def create_comments(self, created):
        """Insert new comments (of one post or several): parents first, as bulk_create fills in
        the ids that replies point at, level by level."""
        for depth in sorted({comment.depth for comment in created}):
            level = [c for c in created if c.depth == depth]
            for comment in level:
                comment.parent_id = comment.parent.pk if comment.parent else None
                comment.root_id = comment.root.pk if comment.root else None
            Comment.objects.bulk_create(level)

    def note_comments(self, post, created, changed):
        """Count the post's new comments; its comment count is refreshed at the end."""
        self.counts["comments created"] += created
        if changed or created:
            self.commented.append(post.pk)
        return changed or bool(created)

    # Summary -------------------------------------------------------------------------------

    def report(self, site, elapsed):
        counts = self.counts
        verb = "Would import" if self.dry_run else "Imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} WXR {site.version} from {site.title or 'WordPress'} in {elapsed:.1f} s: "
                f"{counts['created']} created, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged, {len(self.skipped)} skipped; "
                f"{counts['comments created']} comments and {counts['authors created']} authors "
                "created." + (" Dry run: nothing was written." if self.dry_run else "")
            )
        )
        for line in self.table_lines():
            self.stdout.write(line)
        converted = ", ".join(
            f"{shown(n)} {c}" for n, c in sorted(self.shortcodes_converted.items())
        )
        left = ", ".join(f"{shown(n)} {c}" for n, c in sorted(self.shortcodes_left.items()))
        self.stdout.write(
            f"Pictures: {counts['pictures shown']} shown from imported copies "
            f"({counts['pictures imported']} files imported), "
            f"{counts['pictures left as links']} left as links to where they were.\n"
            f"Shortcodes and embeds: converted {converted or 'none'}; left as text "
            f"{left or 'none'}.\n"
            f"Old addresses registered (they answer 301): {counts['old addresses']}."
        )
        sections = [
            ("skipped", self.skipped, self.style.WARNING),
            ("held back as drafts, as WordPress kept them from the public", self.held_back, str),
            ("pictures left as links (by address)", self.unresolved_lines(), self.style.WARNING),
            ("shortcodes left as text", self.skipped_shortcodes, self.style.WARNING),
        ]
        for title, lines, style in sections:
            if lines:
                self.stdout.write(f"{title[0].upper()}{title[1:]} ({len(lines)}):")
            for line in lines:
                self.stdout.write(style(f"  {title.split()[0]} {line}"))

    def unresolved_lines(self):
        lines = []
        for url, labels in self.unresolved.items():
            where = labels[0] + (f" and {len(labels) - 1} more" if len(labels) > 1 else "")
            lines.append(f"{url} ({self.media.why_not(url)}), shown in {where}")
        return lines

    def table_lines(self):
        """Items by type: read, by status, and what became of them."""
        columns = ["read", "created", "updated", "unchanged", "held back", "skipped"]
        width = max(len(kind) for kind in self.table) if self.table else 4
        lines = [f"  {'item type':<{width}}  " + "  ".join(f"{c:>9}" for c in columns)]
        for kind, row in sorted(self.table.items(), key=lambda pair: -pair[1]["read"]):
            cells = "  ".join(f"{row[column]:>9}" for column in columns)
            statuses = ", ".join(
                f"{name.removeprefix('status ')} {count}"
                for name, count in sorted(row.items())
                if name.startswith("status ")
            )
            note = "" if kind in IMPORTED_TYPES else NOT_IMPORTED.get(kind, "  not imported")
            lines.append(f"  {kind:<{width}}  {cells}  ({statuses}){note}")
        return lines


def render_comments(texts):
    """[(body, markup)] → their HTML, in the second process of a large import."""
    return [render_comment(body, markup=markup) for body, markup in texts]


def shown(name):
    """A shortcode's name as the report shows it: [gallery]; <pre lang> as it is."""
    return name if name.startswith("<") else f"[{name}]"


def as_text(html):
    """A WordPress title or name (HTML) as the text it shows: tags dropped, entities decoded
    once ("Ping 1 &laquo; Tellyworth" → "Ping 1 « Tellyworth")."""
    return unescape(strip_tags(html)).strip()


def old_addresses(item):
    """WordPress's addresses of an item: /?p=ID, /?page_id=ID and its permalink, as Django
    hands them to views (decoded: /2014/05/上海/). An item from our own export lists the
    addresses it kept, and no others."""
    if wxr.MARKUP_META in item.meta:
        return set(filter(None, item.meta.get(wxr.OLD_URLS_META, "").splitlines()))
    old = {f"/?p={item.post_id}"} if item.post_id else set()
    if item.post_id and item.post_type == "page":
        old.add(f"/?page_id={item.post_id}")
    if item.link:
        parts = urlsplit(item.link)
        path = re.sub("/{2,}", "/", unquote(parts.path))
        old.add(path + (f"?{parts.query}" if parts.query else ""))
    return old


def parents_first(items):
    """The items with every page after the page it is below (WordPress exports them in any
    order), so that a page's parent exists when the page is made."""
    pages = {item.post_id: item for item in items if item.post_type == "page"}

    def depth(item):
        seen, parent = {item.post_id}, pages.get(item.post_parent)
        while parent is not None and parent.post_id not in seen:
            seen.add(parent.post_id)
            parent = pages.get(parent.post_parent)
        return len(seen)

    return sorted(items, key=lambda item: depth(item) if item.post_type == "page" else 0)


def as_number(text):
    try:
        return int(text.strip())
    except ValueError:
        return 0


def valid_ip(text):
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def safe_url(url):
    url = (url or "").strip()
    return url[:300] if url.startswith(("http://", "https://")) else ""
