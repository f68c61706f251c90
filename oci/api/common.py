"""Shapes shared by every resource: names, references, pages, errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar, overload

from flask import current_app, url_for
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model, model_validator
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from oci.db import Base
from oci.errors import BadRequest

T = TypeVar("T")

# Names of regions, locations and networks: what fits a column, a URL and a shell.
Name = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"),
    Field(description="1-64 characters: letters, digits, '.', '_', '-'", examples=["zone-1"]),
]

# A host name or an IP address (v4 or v6) to reach: what fits a URL and a shell word.
Host = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9]([A-Za-z0-9.:-]{0,252})$"),
    Field(description="Host name or IP address", examples=["192.0.2.15"]),
]


class Input(BaseModel):
    """A request body: unknown fields and wrong JSON types are refused."""

    model_config = ConfigDict(extra="forbid", strict=True)


class PatchInput(Input):
    """A partial update: absent fields stay, null resets, unknown ones are listed as invalid."""

    @model_validator(mode="before")
    @classmethod
    def _known_only(cls, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(cls.model_fields))
            if unknown:
                raise ValueError(
                    f"unknown option(s) {', '.join(unknown)}; "
                    f"valid options: {', '.join(cls.model_fields)}"
                )
        return data

    def changes(self) -> dict[str, Any]:
        """Only the fields the request named, JSON-ready."""
        return self.model_dump(mode="json", include=self.model_fields_set)


def patch_of(name: str, model: type[BaseModel], **extra: Any) -> type[PatchInput]:
    """A PatchInput with every field of ``model`` (and ``extra``), each optional."""
    fields: dict[str, Any] = {}
    for key, info in model.model_fields.items():
        annotation: Any = info.annotation
        if info.metadata:
            annotation = Annotated[(annotation, *info.metadata)]  # keep the constraints
        fields[key] = (annotation | None, Field(None, description=info.description))
    return create_model(name, __base__=PatchInput, **fields, **extra)


class Output(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Ref(Output):
    """A related object in brief form."""

    id: int
    name: str
    url: str


class Page(Output, Generic[T]):
    items: list[T]
    total: int = Field(description="How many items match, over all pages.")
    limit: int
    offset: int


class ErrorBody(Output):
    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["no cluster named 'c1'"])
    details: dict[str, Any]


class ErrorOut(Output):
    error: ErrorBody


class ListQuery(BaseModel):
    """``limit`` and ``offset`` of a list; subclasses add filters. Unknown ones are refused."""

    model_config = ConfigDict(extra="forbid")

    limit: int | None = Field(
        None, ge=1, description="Items per page; default and maximum: the server's page_size_max"
    )
    offset: int = Field(0, ge=0, le=2**31 - 1)


@overload
def ref(obj: None, endpoint: str, key: str = "name") -> None: ...
@overload
def ref(obj: Base, endpoint: str, key: str = "name") -> Ref: ...
@overload
def ref(obj: Base | None, endpoint: str, key: str = "name") -> Ref | None: ...
def ref(obj: Any, endpoint: str, key: str = "name") -> Ref | None:
    """A reference to a row (its id, name and URL); None for no row, as a nullable
    relationship gives."""
    if obj is None:
        return None
    name = getattr(obj, key)
    return Ref(id=obj.id, name=name, url=url_for(endpoint, name=name))


def page_limit(query: ListQuery) -> int:
    """The page size ``query`` asks for: the server's page_size_max unless smaller, and a
    400 above it (the OpenAPI document gives it as ``limit``'s maximum)."""
    largest: int = current_app.config["OCI_SETTINGS"].page_size_max
    limit = largest if query.limit is None else query.limit
    if limit > largest:
        raise BadRequest(
            f"limit must be at most {largest}; page through with offset",
            {"fields": {"limit": f"at most {largest}"}},
        )
    return limit


def paginate(
    session: Session, stmt: Select[Any], query: ListQuery, out: Callable[[Any], T]
) -> Page[T]:
    """One page of ``stmt`` (ordered by the caller), each row through ``out``."""
    limit = page_limit(query)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = session.scalars(stmt.limit(limit).offset(query.offset)).unique()
    return Page[T](
        items=[out(row) for row in rows], total=total or 0, limit=limit, offset=query.offset
    )
