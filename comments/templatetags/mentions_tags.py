from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from blog.fragments import template_digest
from blog.models import comments_cache_key
from comments.mentions import Mention
from pagecache import keep_fragments, kept_fragments

register = template.Library()


@register.simple_tag
def mention_section(post):
    """The webmentions readers may see on a post's page: replies like comments, likes and
    reposts as a list of names, other mentions as links to them. Kept whole until the post's
    comments change (every change of a mention retires them: pagecache.kept_fragments); else
    one query."""
    zone = timezone.get_current_timezone_name()
    name = f"mentions:{post.pk}:{template_digest('comments/_mentions.html')}:{zone}"
    kept = kept_fragments([name])
    if name in kept:
        return mark_safe(kept[name])  # our own template's output, stored below
    shown = list(Mention.objects.shown().filter(post=post).order_by("published_at", "id"))
    by_kind = {kind: [m for m in shown if m.kind == kind] for kind in Mention.Kind.values}
    html = render_to_string("comments/_mentions.html", {"mentions": shown, **by_kind})
    keep_fragments({name: (html, {comments_cache_key(post.pk)})})
    return mark_safe(html)


@register.simple_tag
def webmention_endpoint():
    """The address of this site's webmention endpoint, for <link rel="webmention">."""
    return reverse("comments:webmention")
