"""One filter definition per list (issue 10 item 7, decision 0003): the page, the API and the
export read the same schema, refuse the same bad parameter in the same translated words (the
page: 200 with the message and no rows; the API: a 422 problem; a download: 400 text), never
answer 500, and give the same rows for the same valid filters, inside the reader's scope."""

import csv
import io
from html import unescape

import pytest
from test_rotating import EVERYTHING, make_fund

from edupact.core.text import persian_digits
from edupact.rotating import rules, services

pytestmark = pytest.mark.django_db

LONG = "ز" * 201
HUGE = str(2**64)

# list, the page, the API endpoint, a bad query, the field, the message in English, in Persian
DIRECTORY = [
    ("people", {"organisation": "abc"}, "organisation", "Organisation", "Enter a whole number."),
    (
        "people",
        {"organisation": HUGE},
        "organisation",
        "Organisation",
        "Enter a value of at most 9,223,372,036,854,775,807.",
    ),
    ("people", {"q": LONG}, "q", "Search", "Enter at most 200 characters."),
    ("people", {"sex": "other"}, "sex", "Sex", "Choose one of the values offered."),
    ("people", {"q": "a\x00b"}, "q", "Search", "Remove the invalid character"),
    ("organisations", {"kind": "castle"}, "kind", "Kind", "Choose one of the values offered."),
    ("organisations", {"country": "FR"}, "country", "Country", "Choose one of the values offered."),
    ("organisations", {"q": LONG}, "q", "Search", "Enter at most 200 characters."),
    ("partnerships", {"q": LONG}, "q", "Search", "Enter at most 200 characters."),
]

PERSIAN = {
    "Enter a whole number.": "یک عدد درست وارد کنید.",
    "Enter at most 200 characters.": "حداکثر ۲۰۰ نویسه وارد کنید.",
    "Choose one of the values offered.": "یکی از مقدارهای پیشنهادشده را انتخاب کنید.",
}


def _page_errors(response) -> str:
    assert response.status_code == 200, response.status_code
    html = unescape(response.content.decode())
    assert 'role="alert"' in html
    return html


@pytest.mark.parametrize(("name", "query", "field", "label", "message"), DIRECTORY)
def test_a_bad_filter_is_refused_alike_by_the_page_and_the_api(
    tree, client_as, api_client, name, query, field, label, message
):
    admin = tree.users["platform_admin"]
    page = client_as(admin, "en").get(f"/directory/{name}/", query)
    html = _page_errors(page)
    assert f"{label}: {message}" in html
    assert "<tbody>" in html and "<td><a href" not in html  # no rows under a refused filter
    htmx = client_as(admin, "en").get(f"/directory/{name}/", query, HTTP_HX_REQUEST="true")
    assert f"{label}: {message}" in _page_errors(htmx)  # the search box's partial says it too
    api = api_client(admin).get(f"/api/v1/{name}", query, HTTP_ACCEPT_LANGUAGE="en")
    assert api.status_code == 422 and api["Content-Type"] == "application/problem+json"
    errors = api.json()["errors"]
    assert len(errors) == 1
    [messages] = errors.values()
    assert messages[0].startswith(message)
    if field != "q" or "\x00" not in query.get("q", ""):
        assert list(errors) == [f"query.{field}"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"organisation": "abc"}, "Enter a whole number."),
        ({"q": LONG}, "Enter at most 200 characters."),
        ({"sex": "x"}, "Choose one of the values offered."),
    ],
)
def test_the_refusal_is_translated_the_same_on_the_page_and_in_the_api(
    tree, client_as, api_client, query, message
):
    admin = tree.users["platform_admin"]
    html = _page_errors(client_as(admin, "fa").get("/directory/people/", query))
    api = api_client(admin).get("/api/v1/people", query, HTTP_ACCEPT_LANGUAGE="fa")
    assert api.status_code == 422
    [messages] = api.json()["errors"].values()
    assert messages == [PERSIAN[message]]
    assert PERSIAN[message] in html


@pytest.mark.parametrize(
    ("query", "label", "message"),
    [
        ({"level": "galaxy"}, "Level", "Choose one of the values offered."),
        ({"country": "ZZ"}, "Country", "Choose one of the values offered."),
        ({"current": "maybe"}, "Current only", "Enter true or false."),
        ({"q": LONG}, "Search", "Enter at most 200 characters."),
    ],
)
def test_the_places_page_refuses_bad_filters(tree, client_as, query, label, message):
    html = _page_errors(client_as(tree.users["member"], "en").get("/directory/places/", query))
    assert f"{label}: {message}" in html


def _api_ids(client, url, query) -> list[int]:
    response = client.get(url, {**query, "limit": 1000})
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["items"]]


def _page_ids(client, url, query) -> list[str]:
    response = client.get(url, query)
    assert response.status_code == 200 and 'role="alert"' not in response.content.decode()
    return [p.pk for p in response.context["page"].object_list]


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("people", {}),
        ("people", {"sex": "female"}),
        ("people", {"q": "tehrani"}),
        ("people", {"q": "", "sex": ""}),  # the "All" of a select: no filter
        ("organisations", {"kind": "school"}),
        ("organisations", {"country": "VN"}),
        ("organisations", {"q": "دبستان"}),
        ("organisations", {"q": "دبستان", "kind": "school", "country": "IR"}),
        ("partnerships", {"q": "ke hoach"}),  # diacritics folded
        ("partnerships", {}),
    ],
)
@pytest.mark.parametrize("role", ["platform_admin", "education_officer", "kanoon_leader", "member"])
def test_valid_filters_give_the_same_rows_on_the_page_and_in_the_api(
    tree, client_as, api_client, name, query, role
):
    user = tree.users[role]
    page = _page_ids(client_as(user, "en"), f"/directory/{name}/", query)
    api = _api_ids(api_client(user), f"/api/v1/{name}", query)
    assert page == api


def test_a_filter_reveals_nothing_outside_the_scope(tree, client_as, api_client):
    """A principal filtering people by another school (or a Vietnamese organisation) finds
    nobody, on the page and in the API: the filter narrows the scope, never widens it."""
    principal = tree.users["principal"]
    for organisation in (tree.school_b, tree.vn_school, tree.kanoon):
        query = {"organisation": organisation.pk}
        assert _page_ids(client_as(principal, "en"), "/directory/people/", query) == []
        assert _api_ids(api_client(principal), "/api/v1/people", query) == []
    own = {"organisation": tree.school_a.pk}
    assert _api_ids(api_client(principal), "/api/v1/people", own) == [tree.principal.pk]
    persian = {"organisation": persian_digits(str(tree.school_a.pk))}  # typed as in any form
    assert _page_ids(client_as(principal, "fa"), "/directory/people/", persian) == [
        tree.principal.pk
    ]
    member = tree.users["member"]
    assert _api_ids(api_client(member), "/api/v1/organisations", {"country": "VN"}) == []
    assert _page_ids(client_as(member, "en"), "/directory/organisations/", {"kind": "school"}) == []


def test_the_places_page_filters_as_before(tree, client_as):
    from edupact.directory.models import AdminUnit

    old = AdminUnit.objects.create(
        country="IR", level=AdminUnit.Level.PROVINCE, code="99", name="Old province"
    )
    new = AdminUnit.objects.create(
        country="IR", level=AdminUnit.Level.PROVINCE, code="98", name="New province"
    )
    old.valid_to = old.valid_from or __import__("datetime").date(2020, 1, 1)
    old.save()
    client = client_as(tree.users["member"], "en")
    everything = _page_ids(client, "/directory/places/", {"country": "IR", "level": "province"})
    assert set(everything) >= {old.pk, new.pk}
    current = _page_ids(
        client, "/directory/places/", {"country": "IR", "level": "province", "current": "1"}
    )
    assert new.pk in current and old.pk not in current


# Rotating funds: the payments (dues) of the page, the API and the export --------------------


@pytest.fixture
def fund(tree):
    """Three codes; every code paid month 1, code 2 also month 2; code 1 held by the member."""
    f = make_fund(tree.kanoon, codes=3, due=2_000_000)
    c = {code.number: code for code in f.codes.all()}
    services.assign_code(EVERYTHING, c[1], [(tree.member, 12)])
    services.assign_code(EVERYTHING, c[2], [(tree.other_member, 12)])
    services.assign_code(EVERYTHING, c[3], [(tree.kanoon_head, 12)])
    day = rules.start_date(f)
    f.paid = [services.record_due(EVERYTHING, code, 1, 2_000_000, day) for code in c.values()]
    f.paid.append(services.record_due(EVERYTHING, c[2], 2, 2_000_000, day))
    return f


ROTATING = [
    ({"month": "abc"}, "month", "Month", "Enter a whole number."),
    ({"month": "0"}, "month", "Month", "Enter a value of at least 1."),
    ({"month": "241"}, "month", "Month", "Enter a value of at most 240."),
    ({"month": HUGE}, "month", "Month", "Enter a value of at most 240."),
]


@pytest.mark.parametrize(("query", "field", "label", "message"), ROTATING)
def test_a_bad_payment_filter_is_refused_by_the_page_the_api_and_both_exports(
    fund, tree, client_as, api_client, query, field, label, message
):
    leader = tree.users["kanoon_leader"]
    html = _page_errors(client_as(leader, "en").get(fund.get_absolute_url(), query))
    assert f"{label}: {message}" in html and 'id="payment-history"' not in html
    api = api_client(leader)
    for url in (f"/api/v1/rotating/{fund.pk}/dues", f"/api/v1/rotating/{fund.pk}/export/payments"):
        answer = api.get(url, query, HTTP_ACCEPT_LANGUAGE="en")
        assert answer.status_code == 422, url
        assert answer.json()["errors"] == {f"query.{field}": [message]}
    download = client_as(leader, "en").get(f"/rotating/{fund.pk}/payments.csv", query)
    assert download.status_code == 400
    assert download.content.decode() == f"{label}: {message}"


def test_a_bad_date_or_format_is_refused_by_the_api(fund, tree, api_client):
    api = api_client(tree.users["kanoon_leader"], **{"Accept-Language": "en"})
    early = api.get(f"/api/v1/rotating/{fund.pk}/codes", {"on": "1999-12-31"})
    assert early.status_code == 422
    assert early.json()["errors"] == {"query.on": ["Enter a date on or after 1 Jan 2000."]}
    garbled = api.get(f"/api/v1/rotating/{fund.pk}/codes", {"on": "yesterday"})
    assert garbled.json()["errors"] == {
        "query.on": ["Enter a date as year-month-day (2025-01-31)."]
    }
    pdf = api.get(f"/api/v1/rotating/{fund.pk}/export/payments", {"format": "pdf"})
    assert pdf.status_code == 422
    assert pdf.json()["errors"] == {"query.format": ["Choose one of the values offered."]}


def _csv_numbers(response) -> list[int]:
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return [int(row[0]) for row in rows[1:]]


@pytest.mark.parametrize("month", [None, 1, 2, 3])
@pytest.mark.parametrize("role", ["kanoon_leader", "member"])
def test_the_same_payments_on_the_page_in_the_api_and_in_both_exports(
    fund, tree, client_as, api_client, month, role
):
    user = tree.users[role]
    query = {"month": month} if month else {}
    page = client_as(user, "en").get(fund.get_absolute_url(), query)
    on_page = [p.pk for p in page.context["payments"].object_list]
    api = api_client(user)
    in_api = [r["id"] for r in api.get(f"/api/v1/rotating/{fund.pk}/dues", query).json()["items"]]
    exported = _csv_numbers(
        api.get(f"/api/v1/rotating/{fund.pk}/export/payments", {**query, "format": "csv"})
    )
    downloaded = _csv_numbers(client_as(user, "en").get(f"/rotating/{fund.pk}/payments.csv", query))
    assert on_page == in_api == exported == downloaded
    visible = [p for p in fund.paid if role != "member" or p.code.number == 1]
    expected = sorted((p.pk for p in visible if month is None or p.month == month), reverse=True)
    assert sorted(on_page, reverse=True) == expected
    if month and on_page:
        link = f"/rotating/{fund.pk}/payments.csv?month={month}"
        assert link in page.content.decode()  # the download link keeps the filter


@pytest.mark.parametrize("pk", [HUGE, str(2**63), "0"])
def test_a_fund_no_row_can_be_is_not_found_in_every_list(fund, tree, api_client, pk):
    api = api_client(tree.users["kanoon_leader"])
    for url in ("dues", "codes", "draws", "export/payments"):
        assert api.get(f"/api/v1/rotating/{pk}/{url}").status_code in (404, 422), url
