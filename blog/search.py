"""Full-text search over published posts.

PostgreSQL: a stored, weighted search vector (title A, tags B, body C) behind a GIN index,
`websearch_to_tsquery` syntax ("quoted phrases", -exclusions, or), ranked, with ts_headline
snippets. SQLite (the embedded default): every word (or quoted phrase) must appear in the title,
a tag or the body, -words must not; title matches first. The same page and filters on both.
"""

import re
import shlex
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Value, When

from .markup import MATCH_END, MATCH_START, highlight_snippet
from .models import Post, TaggedPost

MAX_QUERY_LENGTH = 200
MAX_TERMS = 10
SNIPPET_WORDS = 40
FACET_SIZE = 12


def uses_postgres():
    return connection.vendor == "postgresql"


@dataclass
class Filters:
    """What a search is narrowed to, from ?path= ?tag= ?author= ?year=."""

    path: str = ""
    tag: str = ""
    author: str = ""
    year: int | None = None

    @classmethod
    def from_query(cls, params):
        year = params.get("year", "")
        return cls(
            path="/" + params.get("path", "").strip("/")[:500] if params.get("path") else "",
            tag=params.get("tag", "")[:100],
            author=params.get("author", "")[:150],
            year=int(year) if year.isdigit() and 1 <= int(year) <= 9999 else None,
        )

    def apply(self, posts):
        if self.path:
            posts = posts.under(self.path)
        if self.tag:
            posts = posts.tagged(self.tag)
        if self.author:
            posts = posts.filter(author__username=self.author)
        if self.year:
            posts = posts.filter(pub_date__year=self.year)
        return posts

    def as_params(self):
        params = {"path": self.path, "tag": self.tag, "author": self.author, "year": self.year}
        return {name: value for name, value in params.items() if value}


@dataclass
class Facets:
    paths: list = field(default_factory=list)
    tags: list = field(default_factory=list)
    authors: list = field(default_factory=list)
    years: list = field(default_factory=list)


def clean_query(text):
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def matching_posts(query_text, filters):
    """Published posts matching the query and filters, best first (a queryset)."""
    posts = filters.apply(Post.objects.published())
    if uses_postgres():
        query = SearchQuery(query_text, search_type="websearch", config=settings.BLOG_SEARCH_CONFIG)
        return (
            posts.filter(search_vector=query)
            .annotate(rank=SearchRank(F("search_vector"), query))
            .order_by("-rank", "-published_at", "-id")
        )
    include, exclude = parse_terms(query_text)
    if not include:
        return posts.none()
    for term in include:
        posts = posts.filter(_term_matches(term))
    for term in exclude:
        posts = posts.exclude(_term_matches(term))
    title_match = Case(
        When(title__icontains=include[0], then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return posts.annotate(rank=title_match).order_by("-rank", "-published_at", "-id")


def parse_terms(query_text):
    """(words or phrases to find, words or phrases to exclude), as SQLite search reads them."""
    try:
        tokens = shlex.split(query_text)
    except ValueError:  # an unbalanced quote: read it as plain words
        tokens = query_text.replace('"', " ").replace("'", " ").split()
    include, exclude = [], []
    for token in tokens[:MAX_TERMS]:
        if token.lower() == "or":
            continue
        if token.startswith("-") and len(token) > 1:
            exclude.append(token[1:])
        elif token.strip("-"):
            include.append(token)
    return include, exclude


def _term_matches(term):
    tagged = TaggedPost.objects.filter(content_object=OuterRef("pk"), tag__name__icontains=term)
    return Q(title__icontains=term) | Q(body_text__icontains=term) | Exists(tagged)


def add_snippets(posts, query_text):
    """Give each post of a result page `snippet_html`: its body around the matched words."""
    if not posts:
        return
    if uses_postgres():
        query = SearchQuery(query_text, search_type="websearch", config=settings.BLOG_SEARCH_CONFIG)
        headlines = dict(
            Post.objects.filter(pk__in=[post.pk for post in posts])
            .annotate(
                headline=SearchHeadline(
                    "body_text",
                    query,
                    config=settings.BLOG_SEARCH_CONFIG,
                    start_sel=MATCH_START,
                    stop_sel=MATCH_END,
                    max_words=SNIPPET_WORDS,
                    min_words=SNIPPET_WORDS // 2,
                )
            )
            .values_list("pk", "headline")
        )
    else:
        include, _exclude = parse_terms(query_text)
        headlines = {post.pk: sqlite_snippet(post.body_text, include) for post in posts}
    for post in posts:
        post.snippet_html = highlight_snippet(headlines.get(post.pk, ""))


def sqlite_snippet(text, terms, width=240):
    """About `width` characters of `text` around the first match, the matches marked."""
    lowered = text.lower()
    positions = [lowered.find(term.lower()) for term in terms if term]
    positions = [position for position in positions if position >= 0]
    start = max(0, min(positions) - width // 3) if positions else 0
    snippet = text[start : start + width]
    for term in sorted({term for term in terms if term}, key=len, reverse=True):
        snippet = re.sub(
            re.escape(term), lambda m: f"{MATCH_START}{m.group(0)}{MATCH_END}", snippet, flags=re.I
        )
    return ("… " if start else "") + snippet + (" …" if start + width < len(text) else "")


def facets(posts):
    """Counts of the matching posts by path, tag, author and year (four queries)."""
    ids = posts.order_by().values("pk")
    by_count = ("-count",)
    return Facets(
        paths=list(
            Post.objects.filter(pk__in=ids)
            .values_list("path__full_path")
            .annotate(count=Count("id"))
            .order_by(*by_count, "path__full_path")[:FACET_SIZE]
        ),
        tags=list(
            TaggedPost.objects.filter(content_object__in=ids)
            .values_list("tag__slug", "tag__name")
            .annotate(count=Count("id"))
            .order_by(*by_count, "tag__name")[:FACET_SIZE]
        ),
        authors=list(
            Post.objects.filter(pk__in=ids)
            .values_list("author__username", "author__display_name")
            .annotate(count=Count("id"))
            .order_by(*by_count, "author__username")[:FACET_SIZE]
        ),
        years=list(
            Post.objects.filter(pk__in=ids)
            .values_list("pub_date__year")
            .annotate(count=Count("id"))
            .order_by("-pub_date__year")
        ),
    )
