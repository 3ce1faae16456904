"""The filters of the directory's lists, one schema per list: the page reads ``request.GET``
with it, the API endpoint takes it as ``Query[...]`` (``core.filters``)."""

from django.utils.translation import gettext_lazy as _

from edupact.core.bounds import IdParam
from edupact.core.filters import ListFilter, Search

from .models import AdminUnit, Country, Organisation, Person


class PeopleFilter(ListFilter):
    labels = {"q": _("Search"), "organisation": _("Organisation"), "sex": _("Sex")}

    q: Search | None = None
    organisation: IdParam | None = None
    sex: Person.Sex | None = None


class OrganisationFilter(ListFilter):
    labels = {"q": _("Search"), "kind": _("Kind"), "country": _("Country")}

    q: Search | None = None
    kind: Organisation.Kind | None = None
    country: Country | None = None


class PartnershipFilter(ListFilter):
    labels = {"q": _("Search")}

    q: Search | None = None


class PlaceFilter(ListFilter):
    """Places (the web page only: the API has no list of places)."""

    labels = {
        "q": _("Search"),
        "country": _("Country"),
        "level": _("Level"),
        "current": _("Current only"),
    }

    q: Search | None = None
    country: Country | None = None
    level: AdminUnit.Level | None = None
    current: bool | None = None
