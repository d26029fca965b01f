"""Full-text search over published posts.

PostgreSQL: a stored, weighted search vector (title A, tags B, body C), copied by a trigger into
the narrow table blog_search_entry behind a GIN index and two indexes by time, one carrying every
column a search reads for the rows small enough, one for the long posts' (migrations 0020, 0026),
`websearch_to_tsquery` syntax ("quoted phrases", -exclusions, or); the newest matches ranked
(SEARCH_RANKED_MATCHES, so that a word in most posts costs what a rare one does), with
ts_headline snippets. SQLite (the embedded default): the FTS5
index of blog.models.search_index (words stemmed by Porter's English stemmer), the same syntax
read by parse_terms(), ranked by bm25 with the same weights, snippets by FTS5. The same page and
filters on both.
"""

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchHeadline, SearchQuery
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, FloatField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from taggit.models import Tag

from .markup import MATCH_END, MATCH_START, highlight_snippet
from .models import Path, Post, TaggedPost, search_index

MAX_QUERY_LENGTH = 200
# The rows of blog_search_entry small enough for its index by time to carry whole, word for word
# as that index's condition (migration 0026) so that PostgreSQL uses it.
SMALL_ENOUGH = "octet_length(vector::text) + 4 * length(vector) + 8 * cardinality(tag_ids) < 2400"
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
        year, path = params.get("year", ""), params.get("path", "").strip("/")[:500]
        return cls(
            path=f"/{path}" if path else "",  # ("/" is the whole site: no narrowing)
            tag=params.get("tag", "")[:100],
            author=params.get("author", "")[:150],
            year=int(year) if re.fullmatch("[0-9]{1,4}", year) and int(year) >= 1 else None,
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

    def sections(self, params, filters):
        """[(heading, [(link, label, count)])] for each facet the search is not narrowed by yet:
        each entry links to this search (its query string `params`) narrowed by it, from its
        first page; parameters in the order `{% querystring name=value page=None %}` gives."""
        entries = {
            "path": [(full_path, full_path, count) for full_path, count in self.paths],
            "tag": self.tags,
            "author": [(name, shown or name, count) for name, shown, count in self.authors],
            "year": [(year, year, count) for year, count in self.years],
        }
        headings = {"path": "Paths", "tag": "Tags", "author": "Authors", "year": "Years"}
        found = []
        for name, values in entries.items():
            if values and not getattr(filters, name):
                link = narrowing_link(params, name)
                found.append((headings[name], [(link(v), label, n) for v, label, n in values]))
        return found


def narrowing_link(params, name):
    """A function of a value giving the query string `params` with `name` set to it (in its
    place, or last) and without its page."""
    pairs = [(key, values) for key, values in params.lists() if key != "page"]
    index = next((n for n, (key, _) in enumerate(pairs) if key == name), len(pairs))
    before = urlencode(pairs[:index], doseq=True)
    after = urlencode(pairs[index + 1 :], doseq=True)

    def link(value):
        return "?" + "&".join(part for part in (before, urlencode({name: value}), after) if part)

    return link


def clean_query(text):
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


@dataclass
class Matches:
    """What a search found: the ranked matches, best first, each a row (post id, path id,
    author id, year, full path, author's username, author's display name; on PostgreSQL also
    its tags' ids), whether more posts matched than were ranked (SEARCH_RANKED_MATCHES), and
    whether those ranked are the newest matches (PostgreSQL) or the best of all (SQLite)."""

    rows: list
    more: bool = False
    among_newest: bool = False  # ranked among the newest matches (PostgreSQL), not all of them

    @property
    def ids(self):
        return [row[0] for row in self.rows]

    @property
    def limit(self):
        return settings.SEARCH_RANKED_MATCHES


def ranked_matches(query_text, filters):
    """The published posts matching the query and filters, best first, at most
    SEARCH_RANKED_MATCHES of them: one query, whatever the number of matches.

    PostgreSQL ranks the newest matches (found along blog_search_entry's index by time, in
    memory however many posts there are); SQLite's FTS5 ranks every match by bm25 and keeps
    the best."""
    limit = settings.SEARCH_RANKED_MATCHES
    if uses_postgres():
        rows = newest_matches_ranked(query_text, filters, limit + 1)
    else:
        rows = best_index_matches(query_text, filters, limit + 1)
    return Matches(rows=rows[:limit], more=len(rows) > limit, among_newest=uses_postgres())


def newest_matches_ranked(query_text, filters, limit):
    """PostgreSQL: the `limit` newest listed posts matching the query and filters, ranked
    (title A, tags B, body C), ties newest first: rows as Matches has them."""
    config = settings.BLOG_SEARCH_CONFIG
    query = "websearch_to_tsquery(%s::regconfig, %s)"
    where = ["listed", "published_at <= %s", f"vector @@ {query}"]
    params = [timezone.now(), config, query_text]
    # The filters read the search table's own indexed columns, so that PostgreSQL intersects
    # indexes (the words', the tag's, the subtree's…) instead of reading a row per match.
    # (A filter naming nothing matches nothing: its subquery finds no row.)
    narrowing = [
        ("path_id IN ({})", filters.path, lambda: Path.objects.subtree(filters.path)),
        (
            "tag_ids @> ARRAY[({})]::bigint[]",
            filters.tag,
            lambda: Tag.objects.filter(slug=filters.tag),
        ),
        (
            "author_id IN ({})",
            filters.author,
            lambda: get_user_model().objects.filter(username=filters.author),
        ),
    ]
    for condition, named, rows in narrowing:
        if named:
            try:
                sql, subquery_params = rows().values("pk").query.sql_with_params()
            except EmptyResultSet:
                return []
            where.append(condition.format(sql))
            params.extend(subquery_params)
    if filters.year:
        where.append("year = %s")
        params.append(filters.year)
    # The newest matches among the rows the index by time carries whole (read from that index
    # alone) and among the long posts' rows (migration 0026), merged in order.
    newest = " UNION ALL ".join(
        "(SELECT post_id, path_id, author_id, year, published_at, tag_ids,"
        f" ts_rank(vector, {query}) AS rank FROM blog_search_entry"
        f" WHERE {size} AND {' AND '.join(where)}"
        " ORDER BY published_at DESC, post_id DESC LIMIT %s)"
        for size in (SMALL_ENOUGH, f"NOT ({SMALL_ENOUGH})")
    )
    newest += " ORDER BY published_at DESC, post_id DESC LIMIT %s"
    with connection.cursor() as cursor:
        # The names the facets show, joined to the newest matches only.
        cursor.execute(
            "SELECT m.post_id, m.path_id, m.author_id, m.year, path.full_path,"
            f" author.username, author.display_name, m.tag_ids, m.rank FROM ({newest}) m"
            f" LEFT JOIN {Path._meta.db_table} path ON path.id = m.path_id"
            f" JOIN {get_user_model()._meta.db_table} author ON author.id = m.author_id"
            " ORDER BY m.published_at DESC, m.post_id DESC",
            [*[config, query_text, *params, limit] * 2, limit],
        )
        newest_first = cursor.fetchall()
    # sorted() keeps the newest first among equal ranks.
    return [row[:8] for row in sorted(newest_first, key=lambda row: -row[8])]


def best_index_matches(query_text, filters, limit):
    """SQLite: the `limit` published posts best matching the query and filters in the FTS5
    index, by bm25, ties newest first: rows as Matches has them."""
    match, table = index_match(query_text), search_index.TABLE
    if not match:
        return []
    # The index joined, so that one FTS5 scan ranks every match (a subquery per post counts
    # each word's posts again for every post: seconds for thousands of matches). The "+" keeps
    # SQLite from looking the index up once per post instead.
    where = [f"blog_post.id = +{table}.rowid", f"{table} MATCH %s"]
    joined = filters.apply(Post.objects.published()).extra(
        tables=[table], where=where, params=[match]
    )
    # bm25 with PostgreSQL's default weights for A, B, C: title 1, tags 0.4, body 0.2; lower
    # is better.
    rank = RawSQL(f"bm25({table}, 1.0, 0.4, 0.2)", [], output_field=FloatField())
    ranked = joined.annotate(rank=rank).order_by("rank", "-published_at", "-id")
    names = ("path__full_path", "author__username", "author__display_name")
    return list(ranked.values_list("pk", "path_id", "author_id", "pub_date__year", *names)[:limit])


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


# What a result shows of its post (with its path and author).
RESULT_FIELDS = (
    *("title", "first_words", "slug", "pub_date", "kind", "page_path", "path", "author"),
    *("path__full_path", "author__username", "author__display_name"),
    *("author__first_name", "author__last_name"),
)


def with_snippets(posts, query_text):
    """The posts of the queryset `posts` (a page of results), each with `snippet_html`: its
    body around the matched words; on PostgreSQL in the same query."""
    if uses_postgres():
        headline = SearchHeadline(
            "body_text",
            web_search(query_text),
            config=settings.BLOG_SEARCH_CONFIG,
            start_sel=MATCH_START,
            stop_sel=MATCH_END,
            max_words=SNIPPET_WORDS,
            min_words=SNIPPET_WORDS // 2,
        )
        found = list(posts.annotate(headline=headline))
        headlines = {post.pk: post.headline for post in found}
    else:
        found = list(posts)
        if not found:
            return found
        headlines = index_snippets([post.pk for post in found], index_match(query_text))
    for post in found:
        post.snippet_html = highlight_snippet(headlines.get(post.pk, ""))
    return found


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


def facets(matches):
    """Counts of the ranked matches by path, tag, author and year: counted from the rows the
    search gave (with the names of their paths and authors), and one query for the tags."""
    # A path counts the matches in its subtree, as the link narrowing to it finds them.
    paths = Counter(
        "/" + "/".join(names[:depth])
        for row in matches.rows
        if row[1]
        for names in [row[4].strip("/").split("/")]
        for depth in range(1, len(names) + 1)
    )
    authors = Counter((row[5], row[6]) for row in matches.rows)
    years = Counter(row[3] for row in matches.rows)
    return Facets(
        paths=sorted(paths.items(), key=lambda item: (-item[1], item[0]))[:FACET_SIZE],
        tags=tag_facet(matches),
        authors=sorted(
            ((*names, count) for names, count in authors.items()),
            key=lambda item: (-item[2], item[0]),
        )[:FACET_SIZE],
        years=sorted(years.items(), reverse=True),
    )


MOST_TAGS_TO_NAME = 200


def tag_facet(matches):
    """[(slug, name, count)] of the FACET_SIZE tags most often on the ranked matches, ties by
    name (in the database's order): counted from the rows' tag ids where the search gave them
    (PostgreSQL), the names of those tags (and of the tags tied with the last one) read by id;
    else, or when too many tags tie, counted by the database."""
    if matches.rows and len(matches.rows[0]) > 7:
        counts = Counter(tag_id for row in matches.rows for tag_id in row[7])
        if not counts:
            return []
        cutoff = sorted(counts.values(), reverse=True)[:FACET_SIZE][-1]
        candidates = [pk for pk, count in counts.items() if count >= cutoff]
        if len(candidates) <= MOST_TAGS_TO_NAME:
            by_name = Tag.objects.filter(pk__in=candidates).order_by("name")
            named = by_name.values_list("pk", "slug", "name")
            ranked = sorted(named, key=lambda tag: -counts[tag[0]])  # (stable: by name in ties)
            return [(slug, name, counts[pk]) for pk, slug, name in ranked[:FACET_SIZE]]
    return list(
        TaggedPost.objects.filter(content_object__in=matches.ids)
        .values_list("tag__slug", "tag__name")
        .annotate(count=Count("id"))
        .order_by("-count", "tag__name")[:FACET_SIZE]
    )
