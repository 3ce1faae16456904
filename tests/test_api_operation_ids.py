"""The API's operationIds do not change when handlers move between modules.

Clients generated from the OpenAPI document (openapi-generator, orval …) name their methods
after the operationIds. Issue 10 splits ``funds`` and ``evaluation`` into subpackages, which
moves nearly every handler; this test holds the published ids to the list taken before the
move (``tests/data/openapi-operation-ids.txt``). A new operation is added to that list by hand,
which makes the change of the public contract visible in review.
"""

from pathlib import Path

from edupact.api.routes import api

PUBLISHED = Path(__file__).parent / "data" / "openapi-operation-ids.txt"


def operation_ids():
    document = api.get_openapi_schema()
    return [
        operation["operationId"]
        for methods in document["paths"].values()
        for operation in methods.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]


def test_operation_ids_are_the_published_ones():
    assert sorted(operation_ids()) == PUBLISHED.read_text().split()


def test_operation_ids_are_unique():
    ids = operation_ids()
    assert len(ids) == len(set(ids))


def test_a_handler_keeps_its_id_wherever_its_module_is():
    """The id is the app and the handler's name, not the module path."""
    from types import SimpleNamespace

    def deposit():
        """A handler as if moved into a subpackage."""

    deposit.__module__ = "edupact.funds.ledger.api"
    assert api.get_openapi_operation_id(SimpleNamespace(view_func=deposit)) == (
        "edupact_funds_api_deposit"
    )
    deposit.__name__ = "overdue"
    deposit.__module__ = "edupact.funds.reports.api"
    assert api.get_openapi_operation_id(SimpleNamespace(view_func=deposit)) == (
        "edupact_funds_report_api_overdue"
    )
