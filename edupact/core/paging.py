"""Lists count at most COUNT_CAP rows, and a page starts and ends within the bounds.

Counting every row a secretariat may see (hundreds of thousands of people) costs more
than the page itself; nobody pages through ten thousand rows, they search. So lists
say "more than 10,000" and the count stops there (docs/performance.md).

Every list pages through one of the two paginators below, so the bounds of a page are
stated once: an API list takes ``limit`` from 1 to ``MAX_PAGE_LIMIT`` and ``offset`` from 0
to ``MAX_OFFSET`` (a larger number, up to 2^63 and beyond, would reach the database as an
SQL ``LIMIT``/``OFFSET`` it cannot hold: a 500). A web list's ``?page=`` cannot get there:
``Paginator.get_page`` shows the first page for anything that is not a number and the last
page for a number past the end, so the offset never exceeds the capped count.
"""

from django.conf import settings
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

from .bounds import MAX_OFFSET, MAX_PAGE_LIMIT

COUNT_CAP = 10_000
PAGE_LIMIT = 100  # an API page when the client does not say


def capped_count(queryset) -> int:
    """The number of rows, or COUNT_CAP + 1 when there are more than COUNT_CAP."""
    if not hasattr(queryset, "order_by"):  # a list or another sized sequence
        return min(len(queryset), COUNT_CAP + 1)
    return queryset.order_by()[: COUNT_CAP + 1].count()


class CappedPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        return capped_count(self.object_list)

    @property
    def more_than_cap(self) -> bool:
        return self.count > COUNT_CAP


def page_of(request, queryset, per_page: int | None = None):
    """One page of a list; the page number comes from ?page= and is clamped to the range."""
    paginator = CappedPaginator(queryset, per_page or settings.EDUPACT_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


class CappedLimitOffsetPagination(LimitOffsetPagination):
    """``count`` is exact up to 10,000; 10,001 means "more than 10,000".

    ``limit`` and ``offset`` are bounded in the schema (422 beyond them, and the OpenAPI
    document says so), for every list of the API at once."""

    class Input(Schema):
        limit: int = Field(PAGE_LIMIT, ge=1, le=MAX_PAGE_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    def __init__(self, max_limit: int = MAX_PAGE_LIMIT, **kwargs):
        super().__init__(max_limit=max_limit, **kwargs)

    def _items_count(self, queryset) -> int:
        return capped_count(queryset)
