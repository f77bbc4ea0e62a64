"""Example resource: replace it with the service's own routes (this file is yours: the
golden path writes it once and never updates it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Item

router = APIRouter(prefix="/v1/items", tags=["items"])


class ItemIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    created_at: datetime

    @field_validator("created_at")
    @classmethod
    def in_utc(cls, value: datetime) -> datetime:
        # SQLite returns naive datetimes; every timestamp stored is UTC.
        return value if value.tzinfo else value.replace(tzinfo=UTC)


def session(request: Request) -> Iterator[Session]:
    database = request.app.state.service.database
    if database is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "no database configured: set DATABASE_URL")
    yield from database.session()


DB = Annotated[Session, Depends(session)]


@router.get("")
def list_items(db: DB, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[ItemOut]:
    rows = db.scalars(select(Item).order_by(Item.id).limit(limit))
    return [ItemOut.model_validate(row) for row in rows]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_item(body: ItemIn, db: DB) -> ItemOut:
    item = Item(name=body.name)
    db.add(item)
    db.commit()
    return ItemOut.model_validate(item)


@router.get("/{item_id}")
def get_item(item_id: int, db: DB) -> ItemOut:
    item = db.get(Item, item_id)
    if item is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no item {item_id}")
    return ItemOut.model_validate(item)
