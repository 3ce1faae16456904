"""The filters of a rotating fund's lists, one schema per list: the fund page and its file
export read ``request.GET`` with it, the API takes it as ``Query[...]`` (``core.filters``)."""

from typing import Annotated, Literal

from django.utils.translation import gettext_lazy as _
from pydantic import Field

from edupact.core.bounds import MoneyDay
from edupact.core.filters import ListFilter

from .models import MAX_CODES

# A month of the cycle: month n is the draw of the n-th code, so there are at most MAX_CODES.
CycleMonth = Annotated[int, Field(ge=1, le=MAX_CODES)]


class PaymentFilter(ListFilter):
    """The payments (dues) of a fund: the page's payment history, ``GET …/dues`` and the
    ``payments`` table's XLSX/CSV."""

    labels = {"month": _("Month")}

    month: CycleMonth | None = None


class CodesFilter(ListFilter):
    """The codes and their holders on a day (the API; the page shows today's)."""

    labels = {"on": _("Date")}

    on: MoneyDay | None = None


class ExportQuery(PaymentFilter):
    """A table of the fund page as a file (the API): its format and the payments' filters."""

    labels = {**PaymentFilter.labels, "format": _("Format")}

    format: Literal["xlsx", "csv"] = "xlsx"
