"""The evaluation API's list filters are bounded: a bad parameter is a translated 422, never
a 500 (an id beyond 64 bits once overflowed SQLite's integers in ``GET /subjects``, found by
the schema fuzzer). The lists keep ninja's ``FilterSchema`` until they move to
``core.filters`` with the evaluation split (docs/decisions/0003-filters.md); their fields use
the same bounded types as the converted lists."""

import pytest

pytestmark = pytest.mark.django_db

HUGE = str(2**64)
LONG = "ز" * 201

BAD = [
    ("/api/v1/evaluation/subjects", {"admin_unit": HUGE}, "query.admin_unit"),
    ("/api/v1/evaluation/subjects", {"parent": HUGE}, "query.parent"),
    ("/api/v1/evaluation/subjects", {"q": LONG}, "query.q"),
    ("/api/v1/evaluation/subjects", {"q": "a\x00b"}, "query.q"),
    ("/api/v1/evaluation/assessments", {"subject": HUGE}, "query.subject"),
    ("/api/v1/evaluation/assessments", {"kind": LONG}, "query.kind"),
    ("/api/v1/evaluation/rollups", {"unit": HUGE}, "query.unit"),
    ("/api/v1/evaluation/rollups", {"parent": "0"}, "query.parent"),
    ("/api/v1/evaluation/frameworks", {"q": LONG}, "query.q"),
    ("/api/v1/evaluation/indicator-values", {"place": HUGE}, "query.place"),
    ("/api/v1/evaluation/targets", {"indicator": LONG}, "query.indicator"),
]


@pytest.mark.parametrize(("url", "query", "field"), BAD)
def test_a_bad_filter_is_a_translated_422(tree, api_client, url, query, field):
    response = api_client(tree.users["platform_admin"]).get(url, query, HTTP_ACCEPT_LANGUAGE="fa")
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert list(errors) == [field]
    [message] = errors[field]
    assert message.isascii() is False  # in Persian, as the caller asked


@pytest.mark.parametrize(
    ("url", "query"),
    [
        ("/api/v1/evaluation/subjects", {"admin_unit": "9223372036854775807"}),
        ("/api/v1/evaluation/assessments", {"subject": "9223372036854775807"}),
    ],
)
def test_the_largest_id_is_simply_not_there(tree, api_client, url, query):
    response = api_client(tree.users["platform_admin"]).get(url, query)
    assert response.status_code == 200
    assert response.json()["items"] == []
