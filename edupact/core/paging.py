"""Lists count at most COUNT_CAP rows.

Counting every row a secretariat may see (hundreds of thousands of people) costs more
than the page itself; nobody pages through ten thousand rows, they search. So lists
say "more than 10,000" and the count stops there (docs/performance.md).
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from ninja.pagination import LimitOffsetPagination

COUNT_CAP = 10_000


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


class CappedLimitOffsetPagination(LimitOffsetPagination):
    """``count`` is exact up to 10,000; 10,001 means "more than 10,000"."""

    def _items_count(self, queryset) -> int:
        return capped_count(queryset)
