"""One filter definition per list: the page, the API and the export read the same schema.

A list's filters are one pydantic schema, a ``ListFilter`` (decision 0003). The API endpoint
takes it as ``Query[TheFilter]``; the page and the file export read ``request.GET`` with
``TheFilter.read(request.GET)``. Both go through the same validation, with the bounds of
``core.bounds`` (ids, years, dates, counts), a bounded search text and the list's choices,
and both say what is wrong in the same translated words (``core.bounds.schema_message``):

- the API answers a bad parameter 422 with a problem (``api.problems``: ``errors`` maps
  ``query.<name>`` to its messages);
- a page answers 200 with its filters as typed, the message above the results and no rows
  (a filter it cannot read is not applied half-way: an empty list is not mistaken for "all");
- a file export answers 400 with the message as plain text (a download has no page to show
  it on).

Nothing else of the request is read: ``page``, ``export``, ``format`` and unknown parameters
are ignored, as the API's ninja schema ignores them. An empty value (``?sex=``, the "All"
option of a select) is no filter, in the page and the API alike.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, ClassVar, Generic, TypeVar, get_args
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic import ValidationError as SchemaError
from pydantic_core import PydanticCustomError

from .bounds import MAX_SEARCH_LENGTH, schema_message
from .text import ascii_digits, check_text


def _numeric(annotation) -> bool:
    """Whether a field's type is a whole number (``IdParam``, ``int | None``, …)."""
    return annotation is int or any(_numeric(a) for a in get_args(annotation))


def _storable(value: str | None) -> str | None:
    """A search is text the database is asked to compare: a NUL or a lone surrogate is
    refused in the words the API's parser uses (``core.text.check_text``)."""
    if value is not None:
        try:
            check_text(value)
        except ValidationError as error:
            raise PydanticCustomError("unstorable_text", error.messages[0]) from None
    return value


# The search box of every list: at most MAX_SEARCH_LENGTH characters, text a database can hold.
Search = Annotated[str, Field(max_length=MAX_SEARCH_LENGTH), AfterValidator(_storable)]


class ListFilter(BaseModel):
    """The filters of one list. Subclasses declare optional fields with bounded types
    (``IdParam``, ``YearParam``, ``Search``, a model's ``TextChoices``) and, in ``labels``,
    each field's name as a page shows it."""

    model_config = ConfigDict(extra="ignore")
    labels: ClassVar[Mapping[str, str]] = {}

    @model_validator(mode="before")
    @classmethod
    def _as_typed(cls, data):
        """A blank value is no filter (the field's default); a number may be typed in
        Persian digits, as in every form of edupact (``core.forms.LocalIntegerField``)."""
        if not isinstance(data, Mapping):
            return data
        typed = {}
        for name, value in data.items():
            if value == "":
                continue
            field = cls.model_fields.get(name)
            if isinstance(value, str) and field is not None and _numeric(field.annotation):
                value = ascii_digits(value)
            typed[name] = value
        return typed

    @classmethod
    def read(cls, query: Mapping[str, str]) -> "Filtered":
        """The filters of a page's or an export's query string, or the messages that say
        which parameter is wrong and why (the API's messages, word for word)."""
        given = {name: query.get(name) for name in cls.model_fields if name in query}
        try:
            return Filtered(cls, cls.model_validate(given), {}, given)
        except SchemaError as exc:
            errors: dict[str, list[str]] = {}
            for error in exc.errors():
                name = str(error["loc"][0]) if error.get("loc") else "__all__"
                errors.setdefault(name, []).append(schema_message(error))
            return Filtered(cls, None, errors, given)

    def values(self) -> dict:
        """The keyword arguments of the list's selector."""
        return self.model_dump()


F = TypeVar("F", bound=ListFilter)


@dataclass
class Filtered(Generic[F]):
    """What ``ListFilter.read`` found: the filters, or the errors of each parameter (and,
    either way, the parameters as given, for the page to show them again)."""

    schema: type[F]
    filters: F | None
    errors: dict[str, list[str]]
    given: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.filters is not None

    def messages(self) -> list[str]:
        """Each error as "Label: message", labelled by the schema's ``labels``."""
        labels = self.schema.labels
        return [
            f"{labels[name]}: {message}" if name in labels else message
            for name, messages in self.errors.items()
            for message in messages
        ]

    def query(self) -> str:
        """The filters that apply, as a query string for the page's links (pager, download):
        "" when none applies or the filters could not be read."""
        if not self.ok:
            return ""
        return urlencode(self.filters.model_dump(mode="json", exclude_none=True))

    def refusal(self) -> HttpResponse:
        """A download's answer to filters it cannot read: 400 with the messages as text."""
        return HttpResponse(
            "\n".join(self.messages()), status=400, content_type="text/plain; charset=utf-8"
        )
