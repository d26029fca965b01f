"""The sidebar: the path tree with counts, popular tags and the archive, rendered once per
change (pagecache.cached_until_change) and shared by every page until the next change."""

from dataclasses import dataclass, field

from django import template
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from blog.models import Post, TaggedPost
from pagecache import cached_until_change

register = template.Library()

POPULAR_TAGS = 20
RECENT_MONTHS = 12
TREE_DEPTH = 2  # /openstack and /openstack/kilo; deeper paths count in their ancestors


@dataclass
class Branch:
    full_path: str
    count: int = 0
    children: dict = field(default_factory=dict)

    @property
    def name(self):
        return self.full_path.rsplit("/", 1)[1]

    @property
    def sorted_children(self):
        return sorted(self.children.values(), key=lambda branch: branch.full_path.lower())


def path_tree(counts):
    """Top-level branches from (full path, published posts filed there) pairs; each branch
    counts its whole subtree."""
    root = Branch("")
    for full_path, count in counts:
        branch = root
        segments = full_path.strip("/").split("/")
        for depth in range(1, min(len(segments), TREE_DEPTH) + 1):
            prefix = "/" + "/".join(segments[:depth])
            branch = branch.children.setdefault(prefix, Branch(prefix))
            branch.count += count
    return root.sorted_children


def sidebar_context():
    """Three queries: posts per path, the popular tags, posts per month."""
    published = Post.objects.published()
    per_path = published.values_list("path__full_path").annotate(count=Count("id")).order_by()
    tags = (
        TaggedPost.objects.filter(content_object__in=published)
        .values_list("tag__slug", "tag__name")
        .annotate(count=Count("id"))
        .order_by("-count", "tag__name")[:POPULAR_TAGS]
    )
    months = list(
        published.annotate(month=TruncMonth("pub_date"))
        .values_list("month")
        .annotate(count=Count("id"))
        .order_by("-month")
    )
    years = {}
    for month, count in months:
        years[month.year] = years.get(month.year, 0) + count
    return {
        "tree": path_tree(per_path),
        "tags": sorted(tags, key=lambda tag: tag[1].lower()),
        "recent_months": months[:RECENT_MONTHS],
        "years": sorted(years.items(), reverse=True),
    }


@register.simple_tag
def sidebar():
    html = cached_until_change(
        "sidebar", lambda: render_to_string("blog/_sidebar.html", sidebar_context())
    )
    # Our own template's output: every value in it was escaped when it was rendered.
    return mark_safe(html)


@register.simple_tag
def page_navigation():
    """Links to the published top-level pages (About, Contact…), for the site's header: one
    query per change, like the sidebar."""
    html = cached_until_change(
        "page-navigation",
        lambda: render_to_string(
            "blog/_page_navigation.html", {"pages": list(Post.objects.navigation())}
        ),
    )
    # Our own template's output: every value in it was escaped when it was rendered.
    return mark_safe(html)
