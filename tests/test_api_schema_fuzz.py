"""Every operation of the API, fuzzed from its own OpenAPI document (schemathesis), as a
platform administrator and as a member: no answer is a server error, every status code and
content type is one the document declares, and every body validates against its schema.

The requests run in process, through Django's whole WSGI stack (middleware included), on a
small world built once for the module — a directory, a kanoon fund with accounts, deposits,
a loan and a guarantee, a lottery fund with its holders, evaluation places, a framework, a
subject and its assessment — so that generated ids often name records that exist. Each
operation's test runs in its own savepoint, so the writes of one do not leak into the next.

Bounded for ``make test``: a few examples an operation, derandomised (the same cases on
every run and both databases), no deadline. To dig deeper by hand:
``EDUPACT_FUZZ_EXAMPLES=200 EDUPACT_FUZZ_PHASES=examples,coverage,fuzzing pytest
tests/test_api_schema_fuzz.py`` (the coverage phase adds every boundary value of every
parameter, and methods the path does not have).
"""

import datetime as dt
import itertools
import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from edupact.accounts.models import Role
from edupact.api.routes import api

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = int(os.environ.get("EDUPACT_FUZZ_EXAMPLES", "12"))
PHASES = os.environ.get("EDUPACT_FUZZ_PHASES", "examples,fuzzing").split(",")
ROLES = {"admin": Role.PLATFORM_ADMIN, "member": Role.MEMBER}


class InProcess:
    """Django's WSGI handler for the test's own connection: the handler closes "old"
    connections when a request starts and ends, which would close the connection that holds
    the test's transaction; the response is read before the request counts as finished."""

    def __init__(self):
        self.handler = None

    def __call__(self, environ, start_response):
        from django.core.wsgi import get_wsgi_application

        if self.handler is None:
            self.handler = get_wsgi_application()
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        try:
            response = self.handler(environ, start_response)
            body = b"".join(response)
            response.close()
        finally:
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)
        return [body]


schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = InProcess()
schema.config.phases.update(phases=PHASES)
schema.config.generation.update(max_examples=EXAMPLES)

# Ids of records of the world, filled once it is built: the generated ids are drawn from
# them half of the time (and from anything the schema allows otherwise).
KNOWN_IDS: list[int] = []
KNOWN_YEARS = [2024, 2025]
ID_NAMES = {"pk", "due_id", "unit", "organisation", "subject", "framework", "fund"}


def _known(name, value):
    if not KNOWN_IDS:
        return st.just(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if name == "year":
            return st.sampled_from([*KNOWN_YEARS, value])
        if name in ID_NAMES or name.endswith("_id"):
            return st.sampled_from(KNOWN_IDS) | st.just(value)
    if isinstance(value, list) and name.endswith("_ids"):
        return st.lists(st.sampled_from(KNOWN_IDS), max_size=3) | st.just(value)
    return st.just(value)


def _with_known_ids(values):
    if not isinstance(values, dict):
        return st.just(values)
    return st.fixed_dictionaries({k: _known(k, v) for k, v in values.items()})


@schema.hook("flatmap_path_parameters")
def _path_ids(context, path_parameters):
    return _with_known_ids(path_parameters)


@schema.hook("flatmap_query")
def _query_ids(context, query):
    return _with_known_ids(query)


@schema.hook("flatmap_body")
def _body_ids(context, body):
    return _with_known_ids(body)


# The world ----------------------------------------------------------------------------------


def build_world():
    from conftest import build_tree
    from factories import ApiTokenFactory
    from test_evaluation_rollups import unit

    from edupact.core.scoping import Scope
    from edupact.evaluation import services as evaluation
    from edupact.evaluation.models import Subject
    from edupact.funds import guarantees
    from edupact.funds import services as funds
    from edupact.funds.models import Fund, LoanProduct
    from edupact.rotating import services as rotating
    from edupact.rotating.models import RotatingFund

    everything = Scope(everything=True)
    t = build_tree()
    day = dt.date(2024, 3, 20)

    fund = funds.create_fund(everything, Fund(name="صندوق کانون ۹", kanoon=t.kanoon))
    product = funds.save_product(
        everything, LoanProduct(fund=fund, code="qard0", max_amount=10**10)
    )
    alice = funds.open_account(everything, fund, person=t.member)
    bob = funds.open_account(everything, fund, person=t.other_member)
    school = funds.open_account(everything, fund, organisation=t.school_a)
    for account in (alice, bob, school):
        funds.deposit(everything, account, 100_000_000, day - dt.timedelta(days=365))
    loan = funds.request_loan(everything, alice, product, 20_000_000, 10, day, reference="L-1")
    loan = funds.approve(everything, loan, day)
    guarantees.invite_guarantor(everything, loan, bob, 10_000_000, day)
    funds.request_loan(everything, bob, product, 10_000_000, 5, day, reference="L-2")

    lottery = rotating.create_fund(
        everything,
        RotatingFund(
            name="صندوق قرعه‌کشی ۱",
            organisation=t.kanoon,
            due=5_000_000,
            start_year=1402,
            start_month=1,
            codes_count=2,
            share_denominator=12,
            draw_day=15,
        ),
    )
    codes = list(lottery.codes.order_by("number"))
    rotating.assign_code(everything, codes[0], [(t.member, 12)])
    rotating.assign_code(everything, codes[1], [(t.other_member, 12)])

    city = unit("province", "Thành phố Hồ Chí Minh", code="79")
    commune = unit("commune", "Phường An Khánh", city, "26740")
    hamlet = unit("hamlet", "Khu phố 1", commune)
    for org, place in (
        (t.commune_branch, commune),
        (t.hamlet_branch, hamlet),
        (t.vn_association, city),
    ):
        org.admin_unit = place
        org.save()
    framework = evaluation.create_framework(
        everything,
        {
            "code": "T-HH",
            "version": "1",
            "name": "Hộ thử",
            "model": "household",
            "style": "points",
            "pass_total": 8,
            "criteria": [
                {
                    "code": "TC1",
                    "name": "TC1",
                    "indicators": [{"code": "I1", "name": "I1", "max": 10}],
                }
            ],
        },
    )
    subject = Subject.objects.create(
        kind="household",
        name="Hộ ông Võ Văn Ba",
        organisation=t.hamlet_branch,
        admin_unit=hamlet,
    )
    assessment = evaluation.record_assessment(everything, subject, 2024, {"I1": 9})

    tokens = {name: ApiTokenFactory(user=t.users[role]).raw for name, role in ROLES.items()}
    ids = itertools.chain(
        (o.pk for o in t.organisations),
        (p.pk for p in t.people),
        (p.pk for p in t.partnerships),
        (fund.pk, product.pk, alice.pk, bob.pk, school.pk, loan.pk, lottery.pk),
        (c.pk for c in codes),
        (city.pk, commune.pk, hamlet.pk, framework.pk, subject.pk, assessment.pk),
    )
    return tokens, sorted(set(ids))


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once, in a transaction rolled back when the module is done."""
    with django_db_blocker.unblock(), transaction.atomic():
        tokens, ids = build_world()
        KNOWN_IDS[:] = ids
        try:
            yield tokens
        finally:
            KNOWN_IDS.clear()
            transaction.set_rollback(True)


@pytest.fixture(params=sorted(ROLES))
def token(request, world, db):
    return world[request.param]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_keeps_its_schema(case, token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"}, checks=CHECKS
    )
