"""A small shop API on FastAPI: the HTTP features an ordinary FastAPI service leans on."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import (
    APIRouter,
    BackgroundTasks,
    Cookie,
    Depends,
    FastAPI,
    File,
    Form,
    Header,
    HTTPException,
    Query,
    Request,
    Response,
    UploadFile,
)
from fastapi import (
    Path as PathParam,
)
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, StreamingResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")

# What the app did outside of responses (lifespan, yield-dependency teardown, background tasks).
EFFECTS: list[str] = []


class Item(BaseModel):
    name: str = Field(min_length=1, max_length=40)
    price: float = Field(gt=0)
    tags: list[str] = []


class StoredItem(Item):
    id: int


class Order(BaseModel):
    item_ids: list[int]
    note: str | None = None


class OutOfStockError(Exception):
    def __init__(self, item_id: int) -> None:
        self.item_id = item_id


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
    EFFECTS.append("startup")
    yield {"catalog": {1: StoredItem(id=1, name="lamp", price=12.5, tags=["home"])}}
    EFFECTS.append("shutdown")


def catalog(request: Request) -> dict[int, StoredItem]:
    return request.state.catalog  # type: ignore[no-any-return]


def db_session() -> Iterator[str]:
    EFFECTS.append("session open")
    try:
        yield "session-1"
    finally:
        EFFECTS.append("session closed")


def current_user(x_token: Annotated[str, Header()]) -> str:
    if x_token != "secret":
        raise HTTPException(status_code=401, detail="bad token", headers={"WWW-Authenticate": "Token"})
    return "alice"


Catalog = Annotated[dict[int, StoredItem], Depends(catalog)]

items = APIRouter(prefix="/items", tags=["items"])
orders = APIRouter(prefix="/orders", tags=["orders"], dependencies=[Depends(current_user)])


@items.get("/", response_model=list[StoredItem])
def list_items(
    store: Catalog,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    tag: Annotated[list[str] | None, Query()] = None,
) -> list[StoredItem]:
    found = [item for item in store.values() if not tag or set(tag) & set(item.tags)]
    return found[:limit]


@items.get("/{item_id}", response_model=StoredItem)
def read_item(item_id: Annotated[int, PathParam(ge=1)], store: Catalog) -> StoredItem:
    if item_id not in store:
        raise HTTPException(status_code=404, detail=f"no item {item_id}", headers={"X-Missing": str(item_id)})
    return store[item_id]


@items.post("/", status_code=201, response_model=StoredItem)
async def create_item(
    item: Item, store: Catalog, session: Annotated[str, Depends(db_session)], background: BackgroundTasks
) -> StoredItem:
    stored = StoredItem(id=max(store) + 1, **item.model_dump())
    store[stored.id] = stored
    background.add_task(EFFECTS.append, f"indexed {stored.name} in {session}")
    return stored


@orders.post("/")
def place_order(order: Order, store: Catalog, user: Annotated[str, Depends(current_user)]) -> dict[str, Any]:
    for item_id in order.item_ids:
        if item_id not in store:
            raise OutOfStockError(item_id)
    total = sum(store[item_id].price for item_id in order.item_ids)
    return {"user": user, "total": total, "note": order.note}


@orders.get("/preferences")
def preferences(
    theme: Annotated[str, Cookie()] = "light",
    accept_language: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    return {"theme": theme, "language": accept_language}


app = FastAPI(title="Shop", version="2.1.0", lifespan=lifespan)
app.add_middleware(GZipMiddleware, minimum_size=200)
app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://shop.example"],
    allow_methods=["GET", "POST"],
    allow_headers=["X-Token"],
    expose_headers=["X-Process"],
)


@app.middleware("http")
async def tag_responses(request: Request, call_next: Any) -> Any:
    if request.headers.get("x-audit"):
        # NOTE: the body read here must still reach the endpoint.
        EFFECTS.append(f"audit {len(await request.body())} bytes")
    response = await call_next(request)
    # NOTE: header values are latin-1 on the wire; the decoded path may hold any character.
    response.headers["X-Process"] = f"{request.method} {quote(request.url.path)}"
    return response


@app.exception_handler(OutOfStockError)
async def out_of_stock(request: Request, exc: OutOfStockError) -> JSONResponse:
    return JSONResponse({"error": "out of stock", "item": exc.item_id}, status_code=409)


@app.post("/upload")
async def upload(
    files: Annotated[list[UploadFile], File()], label: Annotated[str, Form()], public: Annotated[bool, Form()] = False
) -> dict[str, Any]:
    contents = [
        {"filename": file.filename, "type": file.content_type, "size": len(await file.read())} for file in files
    ]
    return {"label": label, "public": public, "files": contents}


@app.post("/login")
def login(username: Annotated[str, Form()], password: Annotated[str, Form(min_length=4)]) -> PlainTextResponse:
    response = PlainTextResponse(f"welcome {username}")
    response.set_cookie("theme", "dark", httponly=True)
    return response


@app.get("/export.csv")
def export() -> StreamingResponse:
    def rows() -> Iterator[str]:
        yield "id,name\n"
        for number in range(1, 4):
            yield f"{number},item{number}\n"

    return StreamingResponse(rows(), media_type="text/csv", headers={"Content-Disposition": "attachment"})


@app.get("/report")
def report() -> FileResponse:
    return FileResponse(STATIC_DIR / "style.css", filename="report.css")


@app.get("/links/{item_id}")
def links(request: Request, item_id: int) -> dict[str, str]:
    return {
        "self": str(request.url_for("read_item", item_id=item_id)),
        "css": str(request.url_for("static", path="/style.css")),
    }


@app.get("/files/{file_path:path}")
def file_path(file_path: str, request: Request) -> dict[str, Any]:
    return {
        "file_path": file_path,
        "raw_path": request.scope["raw_path"].decode(),
        "query": list(request.query_params.multi_items()),
    }


@app.put("/cart/{item_id}")
def add_to_cart(item_id: int, response: Response, quantity: Annotated[int, Query(gt=0)] = 1) -> dict[str, int]:
    response.status_code = 202
    response.set_cookie("cart", str(item_id))
    response.set_cookie("cart_size", str(quantity), max_age=60)
    response.headers["X-Cart"] = "updated"
    return {"item_id": item_id, "quantity": quantity}


@app.get("/receipt/{item_id}", response_class=HTMLResponse)
def receipt(request: Request, item_id: int, store: Catalog) -> HTMLResponse:
    return templates.TemplateResponse(request, "receipt.html", {"item": store[item_id]}, headers={"X-Receipt": "1"})


@app.post("/archive")
async def archive(file: UploadFile) -> dict[str, Any]:
    size = len(await file.read())
    await file.seek(0)
    return {"size": size, "head": (await file.read(5)).decode(), "part headers": dict(file.headers)}


@app.get("/crash")
def crash() -> None:
    raise RuntimeError("boom")


@app.get("/big")
def big() -> dict[str, str]:
    return {"text": "shop " * 100}


app.include_router(items)
app.include_router(orders)


class LabelledRoute(APIRoute):
    """A custom route class, the usual way to wrap every endpoint of an app."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def labelled(request: Request) -> Response:
            response = await handler(request)
            response.headers["X-Route"] = self.path
            return response

        return labelled


admin = FastAPI(title="Admin")
admin.router.route_class = LabelledRoute


@admin.exception_handler(StarletteHTTPException)
async def admin_http_error(request: Request, exc: StarletteHTTPException) -> PlainTextResponse:
    return PlainTextResponse(f"admin: {exc.detail}", status_code=exc.status_code, headers=exc.headers)


@admin.get("/stats")
def stats(request: Request) -> dict[str, Any]:
    return {"root_path": request.scope.get("root_path"), "url": str(request.url)}


app.mount("/admin", admin)
app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
