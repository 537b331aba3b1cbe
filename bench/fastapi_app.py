"""The FastAPI app of ``bench/fastapi_bench.py``: what a typical small JSON API does per request."""

from __future__ import annotations

import os

if os.environ.get("STARLETTE_C_AS_STARLETTE") == "1":
    # NOTE: what the installed starlette_c_as_starlette.pth hook does; needed when running from a checkout.
    import starlette_c.as_starlette  # noqa: F401

from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel


class Greeting(BaseModel):
    message: str
    lang: str


class Item(BaseModel):
    name: str
    price: float
    tags: list[str] = []


class StoredItem(Item):
    id: int


class User(BaseModel):
    id: int
    name: str


app = FastAPI()


def current_user(authorization: Annotated[str, Header()]) -> User:
    if not authorization.startswith("Bearer "):
        raise HTTPException(status_code=401, detail="not authenticated")
    return User(id=7, name=authorization.removeprefix("Bearer "))


@app.get("/plaintext", response_class=PlainTextResponse)
def plaintext() -> str:
    return "Hello, World!"


@app.get("/json", response_model=Greeting)
async def json_greeting() -> Greeting:
    return Greeting(message="Hello, World!", lang="en")


@app.get("/users/{user_id}/items")
async def user_items(
    user_id: int, limit: Annotated[int, Query(le=100)] = 10, q: str | None = None
) -> dict[str, object]:
    return {"user_id": user_id, "limit": limit, "q": q}


@app.post("/items", response_model=StoredItem, status_code=201)
async def create_item(item: Item) -> StoredItem:
    return StoredItem(id=1, **item.model_dump())


@app.get("/me", response_model=User)
async def me(user: Annotated[User, Depends(current_user)]) -> User:
    return user
