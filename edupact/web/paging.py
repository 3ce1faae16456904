from django.conf import settings

from edupact.core.paging import CappedPaginator


def page_of(request, queryset, per_page: int | None = None):
    """One page of a list; the page number comes from ?page= and is clamped to the range."""
    paginator = CappedPaginator(queryset, per_page or settings.EDUPACT_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))
