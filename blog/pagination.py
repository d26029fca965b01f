"""Pages of long listings, for every app's lists (posts, comments, search)."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404
from django.utils.functional import cached_property

from pagecache import cached_until_change, used_query


class FromEitherEndPaginator(Paginator):
    """Pages past the middle are read from the far end, in reverse order: the last page of
    100,000 posts skips a handful of rows, not 100,000. The queryset must be ordered by a
    unique key (ties broken by id) so that both directions agree.

    The total is counted once per change of content (pagecache.cached_until_change), under
    `count_name` (count_name(request))."""

    def __init__(self, *args, count_name=None, count_scope="posts", count_with=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_name, self.count_scope = count_name, count_scope
        self.count_with = count_with or (lambda: Paginator.count.func(self))

    @cached_property
    def count(self):
        if self.count_name is None:
            return self.count_with()
        return cached_until_change(self.count_name, self.count_with, scope=self.count_scope)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        if bottom <= self.count // 2 or not self.object_list.ordered:
            return super().page(number)
        from_end = self.object_list.reverse()[self.count - top : self.count - bottom]
        return self._get_page(list(from_end)[::-1], number, self)


def page_or_404(request, queryset, per_page, *, count_scope="posts", count_with=None):
    """The page of `queryset` that ?page= asks for; 404 for one that does not exist.
    count_scope: what the total depends on (see pagecache.cached_until_change); count_with: a
    cheaper way to count the same rows."""
    paginator = FromEitherEndPaginator(
        queryset,
        per_page,
        count_name=count_name(request),
        count_scope=count_scope,
        count_with=count_with,
    )
    return asked_page_or_404(request, paginator)


def count_name(request):
    """The name cached_until_change() keeps a listing's number of items under (also for
    pagecache.read_ahead): its address without the page number."""
    return f"count:{request.path}?{used_query(request, leave_out={'page'})}"


def list_page_or_404(request, items, per_page):
    """The page of the list `items` that ?page= asks for; 404 for one that does not exist."""
    return asked_page_or_404(request, Paginator(items, per_page))


def asked_page_or_404(request, paginator):
    number = request.GET.get("page", "1")
    if number != number.strip().lstrip("0") or not number:
        raise Http404("No such page.")  # one address per page: not ?page=01 or ?page=+1
    try:
        return paginator.page(number)
    except (EmptyPage, PageNotAnInteger):
        raise Http404("No such page.") from None
