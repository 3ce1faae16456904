"""Navigation by role: a member sees their own pages, officers see their subtree's lists."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from edupact.accounts.models import Role
from edupact.accounts.selectors import roles_of

MENU = [
    ("home", _("Home"), None),
    ("directory:people", _("People"), "staff"),
    ("directory:organisations", _("Organisations"), "staff"),
    ("directory:partnerships", _("Partnerships"), "staff"),
    ("directory:places", _("Places"), "staff"),
    ("funds:home", _("Funds"), None),
    ("rotating:home", _("Lottery funds"), None),
    ("evaluation:dashboard", _("Learning society"), "staff"),
    ("evaluation:subjects", _("Assessed subjects"), "staff"),
    ("evaluation:frameworks", _("Frameworks"), "staff"),
    ("evaluation:cycle_home", _("Yearly cycle"), "staff"),
    ("evaluation:targets", _("Targets"), "staff"),
    ("directory:me", _("My record"), "person"),
    ("accounts:settings", _("Settings"), None),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    roles = roles_of(user)
    staff = bool(roles - {Role.MEMBER})
    items = []
    for name, label, needs in MENU:
        if (needs == "staff" and not staff) or (needs == "person" and not user.person_id):
            continue
        url = reverse(name)
        items.append(
            {
                "url": url,
                "label": label,
                "active": request.path == url or (url != "/" and request.path.startswith(url)),
            }
        )
    return {"nav": items, "user_roles": sorted(roles)}
