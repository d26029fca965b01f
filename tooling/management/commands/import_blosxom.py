import datetime
import re
import time
from collections import Counter
from pathlib import Path as FilePath
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as safe_etree
from defusedxml import DefusedXmlException
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from blog.models import LegacyUrl, Path, Post, make_segment
from comments.models import Comment, refresh_comment_counts

from .import_wxr import Skip, safe_url, valid_ip

DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
)
FLAVOURS = ("html", "rss20", "atom")
TIMESTAMP = re.compile(r"\d+(?:\.\d+)?")


class Command(BaseCommand):
    help = "Import a blosxom / PyBlosxom entry tree, with PyBlosxom .cmt comment files."

    def add_arguments(self, parser):
        parser.add_argument("dir", help="The blosxom data folder.")
        parser.add_argument("--ext", default="txt", help="Entry file extension (default txt).")
        parser.add_argument("--markup", choices=["html", "markdown"], default="html")
        parser.add_argument(
            "--author", help="Username the entries belong to (default: the first superuser)."
        )
        parser.add_argument(
            "--root-path", default="/uncategorized", help="Path for entries at the top of the tree."
        )
        parser.add_argument("--dry-run", action="store_true", help="Report, write nothing.")

    def handle(self, *args, dir, ext, markup, author, root_path, dry_run, **options):
        started = time.monotonic()
        root = FilePath(dir)
        if not root.is_dir():
            raise CommandError(f"{dir} is not a folder.")
        users = get_user_model().objects
        self.author = (
            users.filter(username=author).first()
            if author
            else users.filter(is_superuser=True).order_by("pk").first()
        )
        if self.author is None:
            raise CommandError(f"No user {author!r}." if author else "Give --author USERNAME.")
        self.root, self.markup, self.root_path = root, markup, root_path
        self.counts, self.skipped = Counter(), []
        entries = sorted(p for p in root.rglob(f"*.{ext}") if p.is_file())
        with transaction.atomic():
            for number, entry in enumerate(entries, start=1):
                relative = entry.relative_to(root).as_posix()
                try:
                    with transaction.atomic():
                        self.counts[self.import_entry(entry)] += 1
                except (Skip, ValidationError, UnicodeDecodeError) as reason:
                    message = reason.messages[0] if isinstance(reason, ValidationError) else reason
                    self.skipped.append(f"{relative}: {message}")
                if number % 200 == 0 or number == len(entries):
                    self.stdout.write(f"  entries: {number}/{len(entries)}")
            if dry_run:
                transaction.set_rollback(True)
        self.report(len(entries), time.monotonic() - started, dry_run)

    def import_entry(self, entry):
        title, meta, body = read_entry(entry)
        relative = entry.relative_to(self.root)
        folders = relative.parts[:-1]
        path = self.path_for(folders)
        published_at = parse_published(meta.get("published")) or file_time(entry)
        tags = sorted({t.strip()[:100] for t in meta.get("tags", "").split(",") if t.strip()})
        fields = {
            "title": (title or entry.stem.replace("_", " ").replace("-", " "))[:300],
            "slug": slugify(entry.stem)[:200],
            "author": self.author,
            "path": path,
            "body": body,
            "markup": self.markup,
            "status": Post.Status.PUBLISHED,
            "published_at": published_at,
        }
        key = f"blosxom:{relative.as_posix()}"
        post = Post.objects.filter(import_key=key).first()
        if post is None:
            post = Post(import_key=key, **fields)
            post.save()
            outcome = "created"
        elif {name: getattr(post, name) for name in fields} | {
            "slug": fields["slug"]
        } != fields or (sorted(post.tags.names()) != tags):
            for name, value in fields.items():
                setattr(post, name, value)
            post.save()
            outcome = "updated"
        else:
            outcome = "unchanged"
        post.tags.set(tags)
        added = self.import_comments(post, key, entry)
        self.keep_old_urls(post, folders, entry.stem)
        return "updated" if added and outcome == "unchanged" else outcome

    def path_for(self, folders):
        if not folders:
            return Path.objects.ensure(self.root_path)
        segments = [make_segment(name, is_first=i == 0) for i, name in enumerate(folders)]
        return Path.objects.ensure("/" + "/".join(segments))

    def import_comments(self, post, post_key, entry):
        """PyBlosxom comment files (<entry>-<time>.cmt) become approved comments: beside the
        entry, or where the comments plugin keeps them by default, in datadir/comments/ under
        the entry's own folders. A file that cannot be read stops the whole entry."""
        folders = [entry.parent, self.root / "comments" / entry.parent.relative_to(self.root)]
        files = sorted(
            {
                file
                for folder in folders
                for file in folder.glob(f"{entry.stem}-*.cmt")
                if TIMESTAMP.fullmatch(file.stem[len(entry.stem) + 1 :])  # not another entry's
            },
            key=lambda file: file.name,
        )
        known = set(post.comments.values_list("import_key", flat=True))
        created = []
        for file in files:
            key = f"{post_key}#{file.name}"
            if key in known:
                continue
            values = read_comment(file)
            comment = Comment(
                post=post,
                import_key=key,
                status=Comment.Status.APPROVED,
                markup="html",
                author_name=(values.get("author") or "Anonymous")[:100],
                author_email=values.get("email", "")[:254],
                author_url=safe_url(values.get("link", "")),
                ip_address=valid_ip(values.get("ipaddress", "")),
                body=values.get("description", ""),
                created_at=comment_time(values.get("pubDate"), file),
            )
            comment.render()
            created.append(comment)
        Comment.objects.bulk_create(created)
        if created:
            refresh_comment_counts([post.pk])
        self.counts["comments created"] += len(created)
        return bool(created)

    def keep_old_urls(self, post, folders, stem):
        """/<path>/<entry>.html and its flavours (.rss20, .atom) lead to the post."""
        prefix = "/" + "/".join(folders) + "/" if folders else "/"
        for flavour in FLAVOURS:
            LegacyUrl.objects.update_or_create(
                old_url=f"{prefix}{stem}.{flavour}"[:500], defaults={"post": post}
            )

    def report(self, total, elapsed, dry_run):
        counts = self.counts
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {total} blosxom entries in {elapsed:.1f} s: {counts['created']} created, "
                f"{counts['updated']} updated, {counts['unchanged']} unchanged, "
                f"{len(self.skipped)} skipped; {counts['comments created']} comments created."
                + (" Dry run: nothing was written." if dry_run else "")
            )
        )
        for reason in self.skipped:
            self.stdout.write(self.style.WARNING(f"  skipped {reason}"))


def read_entry(file):
    """(title, {key: value}, body): the first line, then #key value lines, then the body."""
    lines = file.read_text(encoding="utf-8").splitlines()
    if not lines:
        raise Skip("the file is empty")
    title, meta, rest = lines[0].strip(), {}, lines[1:]
    while rest and rest[0].startswith("#") and " " in rest[0]:
        key, value = rest.pop(0)[1:].split(" ", 1)
        meta[key.strip().lower()] = value.strip()
    return title, meta, "\n".join(rest).strip("\n")


def parse_published(text):
    if not text:
        return None
    for form in DATE_FORMATS:
        try:
            moment = datetime.datetime.strptime(text.strip(), form)
        except ValueError:
            continue
        return timezone.make_aware(moment, timezone.get_current_timezone())
    raise Skip(f"#published {text!r} is not a date (use YYYY-MM-DD HH:MM)")


def file_time(file):
    return datetime.datetime.fromtimestamp(int(file.stat().st_mtime), tz=datetime.UTC)


def read_comment(file):
    """The fields of a PyBlosxom .cmt file (an <item> of RSS-like elements)."""
    try:
        root = safe_etree.parse(file, forbid_dtd=True).getroot()
    except DefusedXmlException:
        raise Skip(f"{file.name} declares a DTD or entities; refused") from None
    except ParseError as error:
        raise Skip(f"{file.name} is not well-formed XML (line {error.position[0]})") from None
    return {child.tag: (child.text or "").strip() for child in root}


def comment_time(text, file):
    try:
        return datetime.datetime.fromtimestamp(float(text), tz=datetime.UTC).replace(microsecond=0)
    except (TypeError, ValueError, OverflowError):
        return file_time(file)
