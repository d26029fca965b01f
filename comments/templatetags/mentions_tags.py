from django import template
from django.urls import reverse

from comments.mentions import Mention

register = template.Library()


@register.inclusion_tag("comments/_mentions.html")
def mention_section(post):
    """The webmentions readers may see on a post's page: replies like comments, likes and
    reposts as a list of names, other mentions as links to them; one query."""
    shown = list(Mention.objects.shown().filter(post=post).order_by("published_at", "id"))
    by_kind = {kind: [m for m in shown if m.kind == kind] for kind in Mention.Kind.values}
    return {"post": post, "mentions": shown, **by_kind}


@register.simple_tag
def webmention_endpoint():
    """The address of this site's webmention endpoint, for <link rel="webmention">."""
    return reverse("comments:webmention")
