from django.conf import settings


def site(request):
    """The site's title and byline, for base.html."""
    return {
        "site_title": settings.BLOG_TITLE,
        "site_byline": settings.BLOG_BYLINE,
        "site_description": settings.BLOG_DESCRIPTION,
    }
