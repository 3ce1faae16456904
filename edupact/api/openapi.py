"""The OpenAPI document says every answer an operation can give, errors included.

django-ninja declares only the answers a handler names (its successes). ``ProblemsSchema``
adds the problem+json answers of ``problems`` to every operation once, from what the
operation is — not by hand on each of them:

- 401 and 403 where the operation needs a caller (every one here): no or a bad token; a
  refusal of the caller's role;
- 422 where it takes any input (invalid data) and on every write (an Idempotency-Key reused
  with another request); 400 where it takes a body (one that is not JSON);
- 404 where it names a record (a path parameter, or ids in its body or filters);
- 409 on every write (a refusal of the domain, an Idempotency-Key still in progress) and
  where it names a record (a record whose state refuses the question: the settlement of a
  loan not paid out).

Every write also names its ``Idempotency-Key`` header. And the document refuses two different
schemas under one name: django-ninja keeps the last one it meets, so ``FundOut`` of the
rotating funds once stood for the kanoon funds' answers too.
"""

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from edupact.core.problems import PROBLEM

from .problems import Problem

REF_TEMPLATE = "#/components/schemas/{model}"
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
PAGING = {"limit", "offset"}
DESCRIPTIONS = {
    400: "The body is not JSON",
    401: "No or an invalid token",
    403: "Not allowed for the caller's role",
    404: "Not found, or outside the caller's scope",
    409: "Refused in the record's current state, or an Idempotency-Key still in progress",
    422: "Invalid data, or an Idempotency-Key reused with another request",
}


class SchemaNameClash(Exception):
    """Two different schemas would be published under one name."""


def error_statuses(operation) -> set[int]:
    """The error answers ``operation`` can give, from its methods, inputs and auth."""
    sources: dict[str, set[str]] = {}
    for model in operation.models:
        names = set(model.model_fields)
        flat = getattr(model, "__ninja_flatten_map__", None) or {}
        names |= set(flat)
        sources.setdefault(model.__ninja_param_source__, set()).update(names)
    statuses = set()
    if operation.auth_callbacks:
        statuses |= {401, 403}
    writes = bool(set(operation.methods) & WRITES)
    has_body = bool({"body", "form", "file"} & set(sources))
    filters = sources.get("query", set()) - PAGING - {"ninja_pagination"}
    if sources or writes:
        statuses.add(422)
    if writes or "path" in sources:
        statuses.add(409)
    if has_body:
        statuses.add(400)
    if "path" in sources or has_body or filters:
        statuses.add(404)
    return statuses


IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": (
        "Retry this write safely: the same key with the same request answers the first "
        "answer again; with another request, 422."
    ),
}


class ProblemsSchema(OpenAPISchema):
    def operation_parameters(self, operation):
        """The operation's parameters, and the Idempotency-Key header on every write (read
        by ``api.middleware``, so django-ninja does not know of it)."""
        parameters = super().operation_parameters(operation)
        if set(operation.methods) & WRITES:
            parameters.append(IDEMPOTENCY_KEY)
        return parameters

    def responses(self, operation):
        result = super().responses(operation)
        problem = {PROBLEM: {"schema": {"$ref": REF_TEMPLATE.format(model="Problem")}}}
        if not self.schemas.get("Problem"):
            definition = Problem.model_json_schema(ref_template=REF_TEMPLATE)
            self.add_schema_definitions({**definition.pop("$defs", {}), "Problem": definition})
        for status in sorted(error_statuses(operation)):
            if status in result:  # the handler declares its own body (an import's report)
                result[status].setdefault("content", {}).update(problem)
            else:
                result[status] = {"description": DESCRIPTIONS[status], "content": problem}
        return result

    def add_schema_definitions(self, definitions: dict) -> None:
        for name, definition in definitions.items():
            known = self.schemas.get(name)
            if known is not None and known != definition:
                raise SchemaNameClash(
                    f"Two different schemas are named {name!r}: give one of them another "
                    "class name (django-ninja would publish only the last one)."
                )
        super().add_schema_definitions(definitions)


# Clients generated from the document name their methods after the operationIds, and
# django-ninja derives an id from the handler's module: moving a handler between modules (the
# subpackages of issue 10) would rename its operation. The id is therefore the app and the
# handler's name, ``edupact_<app>_api_<handler>``, wherever the handler lives; these operations
# kept the module they were published under first.
FIRST_PUBLISHED = {
    ("funds", name): f"edupact_funds_report_api_{name}"
    for name in ("trial_balance", "cash_flow", "overdue", "institutions", "enabled_loans")
} | {
    ("evaluation", name): f"edupact_evaluation_api_cycle_{name}"
    for name in (
        "subject_detail",
        "register",
        "self_assessment",
        "list_evidence",
        "upload_evidence",
        "download_evidence",
        "delete_evidence",
        "record_meeting",
        "get_meeting",
        "correct_meeting",
        "meeting_revisions",
    )
}


class ProblemsAPI(NinjaAPI):
    """The edupact API: django-ninja with the error answers in its OpenAPI document."""

    def get_openapi_operation_id(self, operation) -> str:
        name = operation.view_func.__name__
        app = operation.view_func.__module__.split(".")[1]
        return FIRST_PUBLISHED.get((app, name), f"edupact_{app}_api_{name}")

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return ProblemsSchema(self, path_prefix)
