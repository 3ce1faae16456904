"""The REST API under /api/v1: token or session auth, paging, problem+json errors declared
in the OpenAPI document, text that cannot be stored refused on input."""

from ninja import Swagger

from edupact.directory.api import router as directory_router
from edupact.evaluation.api import router as evaluation_router
from edupact.funds.api import router as funds_router
from edupact.rotating.api import router as rotating_router

from . import problems
from .auth import AUTH
from .openapi import ProblemsAPI
from .parsing import TextParser

api = ProblemsAPI(
    title="edupact API",
    version="1",
    auth=AUTH,
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    # The swagger-ui files come from the installed django-ninja ("ninja" in INSTALLED_APPS),
    # served like every other static file: no CDN, nothing fetched from elsewhere at run
    # time, and no inline script (the Content-Security-Policy allows none). No online
    # validator either: it would send the schema to a third party.
    docs=Swagger(settings={"validatorUrl": None}),
    parser=TextParser(),
)
problems.install(api)
api.add_router("/", directory_router)
api.add_router("/funds", funds_router)
api.add_router("/rotating", rotating_router)
api.add_router("/evaluation", evaluation_router)
