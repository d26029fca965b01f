"""Full-text search over published posts.

PostgreSQL: a stored, weighted search vector (title A, tags B, body C) behind a GIN index,
`websearch_to_tsquery` syntax ("quoted phrases", -exclusions, or), ranked, with ts_headline
snippets. SQLite (the embedded default): the FTS5 index of blog.models.search_index (words
stemmed by Porter's English stemmer), the same syntax read by parse_terms(), ranked by bm25 with
the same weights, snippets by FTS5. The same page and filters on both.
"""

import itertools
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import Count, F, FloatField
from django.db.models.expressions import RawSQL

from .markup import MATCH_END, MATCH_START, highlight_snippet
from .models import Post, TaggedPost, search_index

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
    """Published posts matching the query and filters (a queryset; best_first() ranks them)."""
    posts = filters.apply(Post.objects.published())
    if uses_postgres():
        return posts.filter(search_vector=web_search(query_text))
    match = index_match(query_text)
    if not match:
        return posts.none()
    table = search_index.TABLE
    return posts.filter(pk__in=RawSQL(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [match]))


def best_first(posts, query_text):
    """The posts matching_posts() found, ranked: best first, then newest first."""
    if uses_postgres():
        rank = SearchRank(F("search_vector"), web_search(query_text))
        return posts.annotate(rank=rank).order_by("-rank", "-published_at", "-id")
    match, table = index_match(query_text), search_index.TABLE
    if not match:
        return posts
    # The index joined, so that one FTS5 scan ranks every match (a subquery per post counts
    # each word's posts again for every post: seconds for thousands of matches). The "+" keeps
    # SQLite from looking the index up once per post instead. Only this ranked query joins it
    # (its SQL names blog_post, which a subquery would rename): facets take `posts` as it was.
    where = [f"blog_post.id = +{table}.rowid", f"{table} MATCH %s"]
    joined = posts.extra(tables=[table], where=where, params=[match])
    # bm25 with PostgreSQL's default weights for A, B, C: title 1, tags 0.4, body 0.2; lower
    # is better.
    rank = RawSQL(f"bm25({table}, 1.0, 0.4, 0.2)", [], output_field=FloatField())
    return joined.annotate(rank=rank).order_by("rank", "-published_at", "-id")


def web_search(query_text):
    return SearchQuery(query_text, search_type="websearch", config=settings.BLOG_SEARCH_CONFIG)


# What a query is read as (as PostgreSQL's websearch_to_tsquery reads it): "quoted phrases",
# -left-out words, and "or" between alternatives; every other word must appear.
QUERY_TERM = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def parse_terms(query_text):
    """The alternatives a query names ("or" between them): each a pair (words or phrases to
    find, words or phrases to leave out)."""
    alternatives = [([], [])]
    for match in itertools.islice(QUERY_TERM.finditer(query_text), MAX_TERMS):
        minus, phrase, word = match.groups()
        if word is not None and word.lower() == "or":
            alternatives.append(([], []))
            continue
        if word is not None:
            minus, phrase = ("-", word[1:]) if word.startswith("-") else ("", word)
        if re.search(r"[^\W_]", phrase):  # a letter or digit: something the index holds
            include, exclude = alternatives[-1]
            (exclude if minus else include).append(phrase)
    return alternatives


def index_match(query_text):
    """The query as an FTS5 MATCH expression built of quoted strings alone, so that no text a
    reader types is read as FTS5 syntax (NEAR, *, ^, AND, columns…); "" when nothing is left."""
    quoted = lambda term: '"' + term.replace('"', '""') + '"'  # noqa: E731
    alternatives = [
        " AND ".join(map(quoted, include)) + "".join(f" NOT {quoted(term)}" for term in exclude)
        for include, exclude in parse_terms(query_text)
        if include  # (a left-out word alone finds nothing)
    ]
    return " OR ".join(f"({alternative})" for alternative in alternatives)


def add_snippets(posts, query_text):
    """Give each post of a result page `snippet_html`: its body around the matched words."""
    if not posts:
        return
    if uses_postgres():
        query = web_search(query_text)
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
        headlines = index_snippets([post.pk for post in posts], index_match(query_text))
    for post in posts:
        post.snippet_html = highlight_snippet(headlines.get(post.pk, ""))


def index_snippets(post_ids, match):
    """{post id: about SNIPPET_WORDS words of its body around the matches, marked} from the
    SQLite index; whole words, "…" where the body goes on."""
    table = search_index.TABLE
    body = search_index.COLUMNS.index("body")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid, snippet({table}, {body}, %s, %s, '…', {SNIPPET_WORDS}) FROM {table}"
            f" WHERE {table} MATCH %s AND rowid IN ({', '.join(['%s'] * len(post_ids))})",
            [MATCH_START, MATCH_END, match, *post_ids],
        )
        return dict(cursor.fetchall())


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
