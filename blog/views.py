import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db.models import Count, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.views.decorators.http import require_safe
from taggit.models import Tag

from pagecache import (
    cached_until_change,
    depends_on,
    keep_fragments,
    kept_fragments,
    narrows,
    read_ahead,
)

from .fragments import add_entry_html, code_digest, template_digest, year_titles_html
from .models import (
    LINK_FIELDS,
    Path,
    Post,
    TaggedPost,
    comments_cache_key,
    entry_prefetches,
    post_cache_key,
    post_from_share_token,
    related_posts_of,
    titles_cache_key,
)
from .pagination import count_name, list_page_or_404, page_or_404
from .search import RESULT_FIELDS, Filters, clean_query, facets, ranked_matches, with_snippets

MAX_TAGS_IN_INTERSECTION = 3


def checked_date(year, month=1, day=1):
    """The date, or 404 for one that does not exist (/2014/13/, /2014/02/30/, /0000/)."""
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        raise Http404("No such date.") from None


def for_entries(posts):
    """What an entry shows of each post, fetched with it: author, path, tags, pictures."""
    return posts.select_related("author", "path").prefetch_related(*entry_prefetches())


def complete_entries(posts):
    """What an entry shows beyond its row, read for `posts` at once: tags, pictures (two
    queries, none for posts that have them already) and related posts."""
    prefetch_related_objects(posts, *entry_prefetches())
    related = related_posts_of(posts)
    for post in posts:
        post.related = related[post.pk]


def has_several_authors():
    """Bylines are shown only on a blog where more than one person has published."""
    return cached_until_change(
        "several-authors", lambda: Post.objects.published().has_several_authors()
    )


def listing(request, posts, template, *, empty_is_404=False, pinned=(), **context):
    """Render one page of `posts` (already filtered) with whatever else the page needs; each
    entry (pinned ones too) with its related posts."""
    # Tags, pictures and related posts are read only for the entries not kept (see
    # add_entry_html): on a page whose posts did not change, none.
    posts = posts.select_related("author", "path")
    page = page_or_404(request, posts, settings.BLOG_POSTS_PER_PAGE)
    if empty_is_404 and not page.paginator.count:
        raise Http404("Nothing here.")
    entries = [*pinned, *page.object_list]
    # An entry shows its post's number of comments, and no comment.
    narrows("comments", *(comments_cache_key(post.pk) for post in entries))
    show_byline = has_several_authors()
    add_entry_html(entries, show_byline=show_byline, complete=complete_entries)
    context.update(page=page, posts=page.object_list, pinned=pinned)
    return render(request, template, {"show_byline": show_byline, **context})


@require_safe
def index(request):
    """The newest posts, grouped by day; on the first page the pinned posts come first."""
    pinned = []
    if request.GET.get("page", "1") == "1":
        pinned = list(for_entries(Post.objects.published().filter(pinned=True)))
    posts = Post.objects.published().filter(pinned=False)
    return listing(request, posts, "blog/post_list.html", pinned=pinned)


YEAR_AT_A_GLANCE = 1000  # titles on a year's page; a busier year lists its months only


@require_safe
def archive(request, year, month=None, day=None):
    """Posts of a year, a month or a day, by their publication day in the site's time zone. A
    year shows every title under its month and day (as blosxom's year archive did), a month
    its days; each links to the periods before and after it that have posts."""
    start = checked_date(year, month or 1, day or 1)
    end = period_end(start, month, day)
    period = "day" if day else "month" if month else "year"
    published = Post.objects.published()
    posts = published.between(start, end)
    read_ahead(neighbouring_days_name(start, end), f"months:{start.year}", count_name(request))
    context = {"start": start, "period": period, **neighbours(published, start, end, period)}
    if period == "year":
        context["months"] = cached_until_change(
            f"months:{start.year}", lambda: published.month_counts(start.year)
        )
        if not context["months"]:
            raise Http404("Nothing was published that year.")
        narrows("comments")  # titles by day, no comment or count
        context.update(year_titles(posts, start.year))
        return render(request, "blog/year_archive.html", context)
    if period == "month":
        context["days"] = posts.day_counts()
    return listing(
        request,
        posts,
        "blog/post_archive.html",
        empty_is_404=True,  # a period without posts has no page
        **context,
    )


def year_titles(posts, year):
    """A year's titles under their months and days (the first YEAR_AT_A_GLANCE), kept whole
    by the page cache's rule (pagecache.kept_fragments) under the year's titles key (retired
    when one of them is retitled; any other change retires every page); read and rendered (or
    found by a digest of what they show) when one of them changed. The page depends on that
    one key, not on a key for each of its up to YEAR_AT_A_GLANCE posts."""
    zone = timezone.get_current_timezone_name()
    name = f"year-titles:{year}:{code_digest()}:{template_digest('blog/_year_titles.html')}:{zone}"
    keys = {titles_cache_key(year)}
    depends_on(*keys)
    kept = kept_fragments([name])
    if name in kept:
        value = kept[name]
    else:
        # Read as values (a post read as a row would make the page depend on its own key).
        rows = posts.order_by("published_at", "id").values_list("pk", *LINK_FIELDS)
        titles = [
            Post(pk=pk, **dict(zip(LINK_FIELDS, values, strict=True)))
            for pk, *values in rows[: YEAR_AT_A_GLANCE + 1]
        ]
        shown = titles[:YEAR_AT_A_GLANCE]
        value = {
            "html": str(year_titles_html(shown)),
            "count": len(shown),
            "is_long": len(titles) > YEAR_AT_A_GLANCE,
        }
        keep_fragments({name: (value, keys)})
    return {
        "year_titles_html": mark_safe(value["html"]),  # our own template's output
        "year_titles_count": value["count"],
        "year_is_long": value["is_long"],
    }


def neighbours(posts, start, end, period, path=None):
    """Links to the previous and next period (year, month or day) that has posts: which days
    those are is kept until the next change of posts (a post published, moved in time or
    filed elsewhere retires every page: Post.PLACEMENT_FIELDS), `posts` being the published
    posts, or those under `path`."""
    earlier, later = cached_until_change(
        neighbouring_days_name(start, end, path), lambda: posts.neighbouring_days(start, end)
    )

    def url(day):
        if day is None:
            return None
        parts = {"year": day.year, "month": day.month, "day": day.day}
        names = {"year": ["year"], "month": ["year", "month"], "day": ["year", "month", "day"]}
        kwargs = {name: f"{parts[name]:02d}" for name in names[period]}
        kwargs["year"] = f"{day.year:04d}"
        if path is not None:
            return reverse(f"blog:path-{period}", kwargs={"path": path, **kwargs})
        return reverse(f"blog:{period}-archive", kwargs=kwargs)

    return {
        "earlier": earlier,
        "later": later,
        "earlier_url": url(earlier),
        "later_url": url(later),
    }


def neighbouring_days_name(start, end, path=None):
    zone = timezone.get_current_timezone_name()
    return f"neighbouring-days:{path}:{start}:{end}:{zone}"


def period_end(start, month, day):
    """The first day after the year, month or day that begins at `start`; None after the
    calendar's last day (9999-12-31)."""
    try:
        if day:
            return start + datetime.timedelta(days=1)
        if month:
            return (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        return start.replace(year=start.year + 1)
    except (OverflowError, ValueError):
        return None


@require_safe
def post_detail(request, year, month, day, slug, *, extra_context=None):
    """The permalink page: the post, its neighbours and related posts (and whatever the
    template adds: the comments app's section; `extra_context` is what a page under the
    permalink, such as a page of comments, passes to it)."""
    posts = Post.objects.reachable().filter(kind=Post.Kind.POST).at(year, month, day, slug)
    post = get_object_or_404(posts.select_related("author", "path"))
    narrows("comments", comments_cache_key(post.pk))  # its own comments, none other
    show_byline = has_several_authors()
    parts = permalink_parts(post, show_byline)
    picture = parts["picture"]
    context = {
        "post": post,
        "show_byline": show_byline,
        "parts": parts,
        "share_picture": picture
        and {**picture, "url": request.build_absolute_uri(picture["url"])},  # og:image
        **(extra_context or {}),
    }
    response = render(request, "blog/post_detail.html", context)
    if settings.BLOG_WEBMENTION_ENDPOINT:  # (the URL name of the comments app's endpoint)
        endpoint = request.build_absolute_uri(reverse(settings.BLOG_WEBMENTION_ENDPOINT))
        response["Link"] = f'<{endpoint}>; rel="webmention"'
    return response


def permalink_parts(post, show_byline):
    """The parts of a post's page that only the post, its number of comments, its related
    posts and its neighbours change: the article with its related posts (and the description
    and picture its head shows), and the links to the previous and next posts. Kept whole by
    the page cache's rule (pagecache.kept_fragments), each under the keys of what it shows; a
    part not kept is read (tags, pictures, related posts; the neighbours) and rendered."""
    code = template_digest("blog/_post_article.html", "blog/_post_neighbours.html")
    zone = timezone.get_current_timezone_name()
    names = {
        "article": f"article:{post.pk}:{code_digest()}:{code}:{zone}:{show_byline}",
        "neighbours": f"neighbours:{post.pk}:{code_digest()}:{code}",
    }
    kept = kept_fragments(list(names.values()))
    made = {}
    if names["article"] not in kept:
        prefetch_related_objects([post], *entry_prefetches())
        related = post.related_posts()
        picture = next(iter(post.images.all()), None)
        context = {"post": post, "show_byline": show_byline, "related_posts": related}
        made[names["article"]] = (
            {
                "article": render_to_string("blog/_post_article.html", context),
                "description": Truncator(strip_tags(post.excerpt_html or post.body_html)).words(
                    40, truncate=" …"
                ),
                "picture": picture
                and {
                    "url": picture.display.url,
                    "width": picture.width,
                    "height": picture.height,
                    "alt": picture.alt,
                },
            },
            {
                post_cache_key(post.pk),
                comments_cache_key(post.pk),  # the count in its footer
                *(post_cache_key(other.pk) for other in related),
            },
        )
    if names["neighbours"] not in kept:
        previous, following = post.neighbour(newer=False), post.neighbour(newer=True)
        context = {"previous_post": previous, "next_post": following}
        made[names["neighbours"]] = (
            render_to_string("blog/_post_neighbours.html", context),
            {post_cache_key(other.pk) for other in (previous, following) if other is not None},
        )
    keep_fragments(made)
    found = {**kept, **{name: value for name, (value, _keys) in made.items()}}
    article = found[names["article"]]
    # Our own templates' output: every value in it was escaped when it was rendered.
    return {
        **article,
        "article": mark_safe(article["article"]),
        "neighbours": mark_safe(found[names["neighbours"]]),
    }


def page_detail(request, page):
    """A page: its text, the pages above and below it (those readers can reach: a draft's
    title is never shown), its comments."""
    ancestors, parent = [], page.parent
    while parent is not None and len(ancestors) < 20:
        if parent.is_reachable:
            ancestors.insert(0, parent)
        parent = parent.parent
    narrows("comments", comments_cache_key(page.pk))
    children = Post.objects.readable().pages().filter(parent=page).order_by("menu_order", "title")
    context = {"post": page, "ancestors": ancestors, "children": children}
    return render(request, "blog/page_detail.html", context)


@require_safe
def gallery(request, year, month, day, slug):
    """Every picture of a post, each linking to its full size."""
    posts = Post.objects.reachable().filter(kind=Post.Kind.POST).at(year, month, day, slug)
    posts = posts.select_related("author", "path")
    post = get_object_or_404(posts.with_tags().prefetch_related("images"))
    if not post.images.all():
        raise Http404("This post has no pictures.")
    narrows("comments")
    return render(request, "blog/post_gallery.html", {"post": post})


def _path_chain_or_404(path_text):
    """The path named in the URL and its ancestors, outermost first: kept until the next change
    of posts or paths (every change of a path retires every page), a path that does not exist
    is not kept."""
    try:
        return cached_until_change(
            path_chain_name(path_text), lambda: Path.objects.with_ancestors("/" + path_text)
        )
    except Path.DoesNotExist:
        raise Http404("No such path.") from None


def path_chain_name(path_text):
    return f"path-chain:{path_text}"


def page_addresses():
    """The addresses of the pages that answer at one (published or unlisted), kept until the
    next change of posts: a page's address, status or date retires every page
    (Post.PLACEMENT_FIELDS). A blog has a few pages, so that a path listing asks the database
    for its page only when there is one."""
    return cached_until_change(
        "page-addresses",
        lambda: frozenset(Post.objects.reachable().pages().values_list("page_path", flat=True)),
    )


@require_safe
def path_detail(request, path, year=None, month=None):
    """A page at this address (/about/team/), else the posts filed under the path and every
    sub-path, optionally narrowed to a year or month."""
    start = end = None
    if year:
        start = checked_date(year, month or 1)
        end = period_end(start, month, None)
    read_ahead(
        path_chain_name(path),
        f"subpaths:/{path}",
        count_name(request),
        *([neighbouring_days_name(start, end, path)] if year else []),
    )
    if year is None and path in page_addresses():
        page = (
            Post.objects.reachable()
            .pages()
            .filter(page_path=path)
            .select_related("author", "parent")
            .prefetch_related("images")
            .first()
        )
        if page is not None:
            return page_detail(request, page)
    *ancestors, place = _path_chain_or_404(path)
    posts = Post.objects.published().under(place)
    around = {}
    if year:
        around = neighbours(posts, start, end, "month" if month else "year", path=path)
        posts = posts.between(start, end)
    return listing(
        request,
        posts,
        "blog/path_detail.html",
        empty_is_404=True,  # nothing published here (drafts only, or nothing at all)
        place=place,
        ancestors=ancestors,
        subpaths=cached_until_change(f"subpaths:{place.full_path}", place.subpaths_with_counts),
        start=start,
        period="month" if month else "year" if year else None,
        **around,
    )


@require_safe
def author_list(request):
    """Everyone who has published, with their number of posts."""
    authors = (
        get_user_model()
        .objects.filter(posts__in=Post.objects.published())
        .annotate(count=Count("posts"))
        .order_by("display_name", "username")
    )
    narrows("comments")  # names and numbers of posts, no comment
    return render(request, "blog/author_list.html", {"authors": authors})


@require_safe
def tag_list(request):
    tags = TaggedPost.objects.counts_of_published()
    narrows("comments")  # tags and numbers of posts, no comment
    return render(request, "blog/tag_list.html", {"tags": tags})


def _tags_or_404(tag_slugs):
    """The tags named in the URL (a+b), in its order: kept until the next change of posts or
    tags (a tag's change, and a post's change of tags, retire every page); a name of no tag
    is not kept."""
    slugs = tag_slugs.split("+")
    if len(slugs) > MAX_TAGS_IN_INTERSECTION or len(set(slugs)) != len(slugs):
        raise Http404(f"At most {MAX_TAGS_IN_INTERSECTION} different tags.")

    def found():
        tags = list(Tag.objects.filter(slug__in=slugs))
        if len(tags) != len(slugs):
            raise Http404("No such tag.")
        return sorted(tags, key=lambda tag: slugs.index(tag.slug))

    return cached_until_change(f"tags:{tag_slugs}", found)


@require_safe
def tag_detail(request, tags):
    read_ahead(f"tags:{tags}", f"narrower:{tags}", count_name(request))
    tag_objects = _tags_or_404(tags)
    posts = Post.objects.published().tagged(*(tag.slug for tag in tag_objects))
    narrower = []
    if len(tag_objects) < MAX_TAGS_IN_INTERSECTION:
        narrower = cached_until_change(
            f"narrower:{tags}", lambda: list(TaggedPost.objects.also_on(posts, tag_objects))
        )
    return listing(
        request,
        posts,
        "blog/tag_detail.html",
        empty_is_404=True,  # a tag on drafts only is not public
        tags=tag_objects,
        tag_slugs=tags,
        narrower=narrower,
    )


@require_safe
def author_detail(request, username):
    author = get_object_or_404(get_user_model(), username=username)
    posts = Post.objects.published().by(author)
    # Only people who have published something have a public page.
    return listing(request, posts, "blog/author_detail.html", empty_is_404=True, author=author)


@require_safe
def shared_draft(request, token):
    """An unpublished post, for whoever holds its signed, expiring share link."""
    try:
        post = post_from_share_token(token)
    except signing.SignatureExpired:
        return render(request, "blog/shared_draft_expired.html", status=410)
    except (signing.BadSignature, Post.DoesNotExist):
        raise Http404("No such draft.") from None
    if post.is_reachable:
        return redirect(post.get_absolute_url())
    response = render(request, "blog/shared_draft.html", {"post": post})
    response["X-Robots-Tag"] = "noindex, nofollow"
    add_never_cache_headers(response)
    return response


@require_safe
def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("blog:sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@require_safe
def search(request):
    """/search/?q=: ranked matches with snippets, narrowed by path, tag, author or year."""
    query_text = clean_query(request.GET.get("q", ""))
    filters = Filters.from_query(request.GET)
    context = {"query": query_text, "filters": filters, "page": None, "facets": None}
    depends_on("search")  # what matches changes with any post's text
    narrows("comments")  # matches show no comment and no count
    if query_text:
        matches = ranked_matches(query_text, filters)
        page = list_page_or_404(request, matches.ids, 10)
        position = {post_id: number for number, post_id in enumerate(page.object_list)}
        # What a result shows (its title, address, date, path and author) and its snippet.
        found = with_snippets(
            Post.objects.filter(pk__in=list(position))
            .select_related("author", "path")
            .only(*RESULT_FIELDS),
            query_text,
        )
        page.object_list = sorted(found, key=lambda p: position[p.pk])
        context.update(page=page, posts=page.object_list, matches=matches)
        if matches.ids:
            context["facets"] = facets(matches)
            context["facet_sections"] = context["facets"].sections(request.GET, filters)
    response = render(request, "blog/search.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response
