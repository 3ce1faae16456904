"""The product's own error pages, in the reader's language: 404 and 403 inside the layout,
500 on a page that needs neither the database nor the request's context."""

import json

import pytest
from django.db import connection
from django.test import RequestFactory
from django.utils import translation

from edupact.accounts.models import Role
from edupact.web import errors

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    "language, title, home",
    [("fa", "یافت نشد", "رفتن به صفحهٔ اصلی"), ("vi", "Không tìm thấy", "Về trang chủ")],
)
def test_a_missing_page_is_the_products_404_in_the_readers_language(
    tree, client_as, language, title, home
):
    client = client_as(tree.users[Role.PLATFORM_ADMIN], language)
    for path in ("/no-such-page/", f"/directory/people/{HUGE}/", "/directory/people/999999/"):
        response = client.get(path)
        assert response.status_code == 404, path
        page = response.content.decode()
        assert f"<h1>{title}</h1>" in page, path
        assert home in page
        assert 'class="nav"' in page  # the layout, with its menu, to go on from here
    if language == "fa":
        assert 'dir="rtl"' in page


def test_a_page_of_a_record_outside_the_scope_is_the_same_404(tree, client_as):
    client = client_as(tree.users[Role.KANOON_LEADER], "en")
    response = client.get(f"/directory/people/{tree.vn_teacher.pk}/")
    assert response.status_code == 404
    assert "This page does not exist, or it is not yours to see." in response.content.decode()


def test_a_refusal_is_the_products_403_page(tree, rf):
    request = rf.get("/directory/people/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    with translation.override("vi"):
        response = errors.permission_denied(request)
    assert response.status_code == 403
    assert "<h1>Không được phép</h1>" in response.content.decode()


def test_a_bad_request_is_the_products_400_page(tree, rf):
    request = rf.get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    with translation.override("fa"):
        response = errors.bad_request(request)
    assert response.status_code == 400
    assert "<h1>درخواست نادرست</h1>" in response.content.decode()


def test_a_failure_is_the_products_500_page_in_the_readers_language(tree, client_as, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("password=hunter2")

    monkeypatch.setattr("edupact.web.views.selectors.people", broken)
    client = client_as(tree.users[Role.PLATFORM_ADMIN], "fa")
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "<h1>در سامانه خطایی رخ داد</h1>" in page
    assert 'lang="fa" dir="rtl"' in page
    assert "hunter2" not in page and "Traceback" not in page


def test_the_500_page_needs_no_database_and_no_request_context(
    db, django_assert_num_queries, monkeypatch
):
    """Whatever failed may be the database: the page asks nothing of it, nor of the user."""

    def no_database(*args, **kwargs):
        raise AssertionError("the 500 page touched the database")

    request = RequestFactory().get("/funds/")  # no user, no session: nothing of the middleware
    with monkeypatch.context() as patch, translation.override("vi"):
        patch.setattr(connection, "cursor", no_database)
        with django_assert_num_queries(0):
            response = errors.server_error(request)
    assert response.status_code == 500
    assert "<h1>Đã có lỗi xảy ra ở phía hệ thống</h1>" in response.content.decode()


def test_the_500_page_falls_back_to_text_if_its_template_fails(db, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("templates unreadable")

    monkeypatch.setattr(errors.loader, "get_template", broken)
    with translation.override("en"):
        response = errors.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode().startswith("Something went wrong on our side")


def test_an_api_path_gets_problems_from_the_same_handlers(db):
    request = RequestFactory().get("/api/v1/nothing")
    with translation.override("en"):
        for handler, status in (
            (errors.page_not_found, 404),
            (errors.permission_denied, 403),
            (errors.bad_request, 400),
        ):
            response = handler(request, None)
            assert (response.status_code, response["Content-Type"]) == (
                status,
                "application/problem+json",
            )
        response = errors.server_error(request)
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["title"] == "Something went wrong on our side"


def test_a_page_number_of_any_size_shows_a_page(tree, client_as):
    """``?page=`` goes through the shared paginator: past the end is the last page, not a
    number is the first; neither reaches the database as an offset."""
    client = client_as(tree.users[Role.PLATFORM_ADMIN], "en")
    for page in (HUGE, str(2**63), "-1", "1e400", "x", "9" * 5000):
        assert client.get("/directory/people/", {"page": page}).status_code == 200, page


def test_a_name_that_cannot_be_stored_is_a_form_error_and_a_search_finds_nothing(tree, client_as):
    """Not a 500, on SQLite (which would store the NUL) or PostgreSQL (which refuses it)."""
    from edupact.directory.models import Person

    client = client_as(tree.users[Role.PLATFORM_ADMIN], "vi")
    response = client.post(
        "/directory/people/new/",
        {"family_name": "Rez\x00aei", "given_name": "x", "home_organisation": tree.school_a.pk},
    )
    assert response.status_code == 200
    assert "Hãy xóa ký tự không hợp lệ khỏi văn bản này" in response.content.decode()
    assert not Person.objects.filter(family_name__startswith="Rez").exists()
    assert client.get("/directory/people/", {"q": "Tehrani\x00"}).status_code == 200
