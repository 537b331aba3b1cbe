from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import jinja2
import pytest

from starlette_c.applications import Starlette
from starlette_c.background import BackgroundTask
from starlette_c.requests import Request
from starlette_c.responses import Response
from starlette_c.routing import Mount, Route
from starlette_c.staticfiles import StaticFiles
from starlette_c.templating import Jinja2Templates, _TemplateResponse
from tests.conftest import TestClientFactory


@pytest.fixture
def template_dir(tmp_path: Path) -> Path:
    (tmp_path / "index.html").write_text("<p>Hello {{ name }}</p>")
    (tmp_path / "links.html").write_text(
        "{{ url_for('user', name='alice') }} {{ url_for('static', path='/site.css') }} {{ request.url.path }}"
    )
    (tmp_path / "notes.txt").write_text("{{ name }}")
    (tmp_path / "context.html").write_text("{{ app_name }}|{{ name }}")
    return tmp_path


def app_with(endpoint: Any, static_dir: Path | None = None) -> Starlette:
    routes: list[Any] = [Route("/", endpoint), Route("/users/{name}", endpoint, name="user")]
    if static_dir is not None:
        routes.append(Mount("/static", app=StaticFiles(directory=static_dir), name="static"))
    return Starlette(routes=routes)


def test_template_response(test_client_factory: TestClientFactory, template_dir: Path) -> None:
    templates = Jinja2Templates(directory=template_dir)

    async def page(request: Request) -> Response:
        return templates.TemplateResponse(request, "index.html", {"name": "world"})

    response = test_client_factory(app_with(page)).get("/")
    assert response.status_code == 200
    assert response.text == "<p>Hello world</p>"
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.template.name == "index.html"  # type: ignore[attr-defined]
    assert response.context["name"] == "world"  # type: ignore[attr-defined]
    assert isinstance(response.context["request"], Request)  # type: ignore[attr-defined]


def test_url_for_and_request_in_templates(test_client_factory: TestClientFactory, template_dir: Path) -> None:
    templates = Jinja2Templates(directory=str(template_dir))

    async def page(request: Request) -> Response:
        return templates.TemplateResponse(request, "links.html")

    response = test_client_factory(app_with(page, static_dir=template_dir)).get("/")
    assert response.text == "http://testserver/users/alice http://testserver/static/site.css /"


def test_url_for_accepts_a_path_param_called_name(template_dir: Path) -> None:
    (template_dir / "named.html").write_text("{{ url_for('user', name='bob') }}")
    seen: list[tuple[str, dict[str, Any]]] = []

    class FakeRequest:
        def url_for(self, name: str, /, **path_params: Any) -> str:
            seen.append((name, path_params))
            return "/users/bob"

    template = Jinja2Templates(directory=template_dir).get_template("named.html")
    assert template.render({"request": FakeRequest()}) == "/users/bob"
    assert seen == [("user", {"name": "bob"})]


def test_options(test_client_factory: TestClientFactory, template_dir: Path) -> None:
    templates = Jinja2Templates(directory=template_dir)
    task_ran: list[bool] = []

    async def page(request: Request) -> Response:
        return templates.TemplateResponse(
            request=request,
            name="notes.txt",
            context={"name": "x"},
            status_code=201,
            headers={"x-extra": "1"},
            media_type="text/plain",
            background=BackgroundTask(task_ran.append, True),
        )

    response = test_client_factory(app_with(page)).get("/")
    assert response.status_code == 201
    assert response.text == "x"
    assert response.headers["x-extra"] == "1"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert task_ran == [True]


def test_autoescape_by_extension(template_dir: Path) -> None:
    templates = Jinja2Templates(directory=template_dir)
    payload = "<script>alert('XSS')</script>"
    assert templates.get_template("index.html").render(name=payload) == (
        "<p>Hello &lt;script&gt;alert(&#39;XSS&#39;)&lt;/script&gt;</p>"
    )
    assert templates.get_template("notes.txt").render(name=payload) == payload
    assert templates.env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"


def test_several_directories(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "one.html").write_text("one")
    (tmp_path / "b" / "one.html").write_text("shadowed")
    (tmp_path / "b" / "two.html").write_text("two")
    templates = Jinja2Templates(directory=[tmp_path / "a", str(tmp_path / "b")])
    assert templates.get_template("one.html").render() == "one"
    assert templates.get_template("two.html").render() == "two"


def test_custom_environment(test_client_factory: TestClientFactory, template_dir: Path) -> None:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(template_dir))
    templates = Jinja2Templates(env=env)
    assert templates.env is env
    assert "url_for" in env.globals

    async def page(request: Request) -> Response:
        return templates.TemplateResponse(request, "links.html")

    assert test_client_factory(app_with(page, static_dir=template_dir)).get("/").text.startswith("http://")


def test_custom_environment_keeps_its_own_url_for(template_dir: Path) -> None:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(template_dir))
    env.globals["url_for"] = "mine"
    Jinja2Templates(env=env)
    assert env.globals["url_for"] == "mine"


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"directory": None}, {"directory": []}, {"directory": "templates", "env": jinja2.Environment()}],
)
def test_exactly_one_of_directory_and_env(kwargs: dict[str, Any]) -> None:
    with pytest.raises(AssertionError) as info:
        Jinja2Templates(**kwargs)
    assert str(info.value) == "either 'directory' or 'env' arguments must be passed"


def test_context_processors(test_client_factory: TestClientFactory, template_dir: Path) -> None:
    seen: list[Request] = []

    def app_name(request: Request) -> dict[str, Any]:
        seen.append(request)
        return {"app_name": "demo"}

    def override(request: Request) -> dict[str, Any]:
        return {"name": "from processor"}

    templates = Jinja2Templates(directory=template_dir, context_processors=[app_name, override])
    assert templates.context_processors == [app_name, override]

    async def page(request: Request) -> Response:
        return templates.TemplateResponse(request, "context.html", {"name": "from view"})

    response = test_client_factory(app_with(page)).get("/")
    assert response.text == "demo|from processor"
    assert len(seen) == 1 and isinstance(seen[0], Request)


def test_context_is_filled_in_place_and_request_is_a_default(template_dir: Path) -> None:
    templates = Jinja2Templates(directory=template_dir)
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""})
    context: dict[str, Any] = {"name": "x"}
    response = templates.TemplateResponse(request, "notes.txt", context)
    assert response.context is context
    assert context["request"] is request
    own: dict[str, Any] = {"name": "y", "request": "mine"}
    assert templates.TemplateResponse(request, "notes.txt", own).context["request"] == "mine"
    assert templates.TemplateResponse(request, "notes.txt").context == {"request": request}


def test_old_name_first_signature_is_gone(template_dir: Path) -> None:
    templates = Jinja2Templates(directory=template_dir)
    with pytest.raises(TypeError):
        templates.TemplateResponse("index.html", {"request": None})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        templates.TemplateResponse(name="index.html", context={})  # type: ignore[call-arg]


def test_missing_template(template_dir: Path) -> None:
    with pytest.raises(jinja2.TemplateNotFound):
        Jinja2Templates(directory=template_dir).get_template("missing.html")


@pytest.mark.anyio
async def test_debug_extension_message(template_dir: Path) -> None:
    template = Jinja2Templates(directory=template_dir).get_template("notes.txt")
    sent: list[dict[str, Any]] = []

    async def receive() -> Any: ...  # pragma: no cover - never called

    async def send(message: Any) -> None:
        sent.append(message)

    scope: dict[str, Any] = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    debug_scope = {**scope, "extensions": {"http.response.debug": {}}}
    context = {"name": "z", "request": Request(debug_scope)}
    await _TemplateResponse(template, context)(debug_scope, receive, send)
    assert sent[0] == {"type": "http.response.debug", "info": {"template": template, "context": context}}
    assert sent[1]["type"] == "http.response.start"

    sent.clear()
    await _TemplateResponse(template, {"name": "z", "request": Request(scope)})(debug_scope, receive, send)
    assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"]

    sent.clear()
    await _TemplateResponse(template, {"name": "z"})(debug_scope, receive, send)
    assert sent[-1]["body"] == b"z"


def test_template_response_attributes(template_dir: Path) -> None:
    template = Jinja2Templates(directory=template_dir).get_template("notes.txt")
    response = _TemplateResponse(template, {"name": "n"}, 202, {"x-a": "b"}, "text/plain")
    assert response.template is template
    assert response.context == {"name": "n"}
    assert response.status_code == 202
    assert response.body == b"n"
    assert response.headers["x-a"] == "b"
    assert response.media_type == "text/plain"


def test_import_requires_jinja2() -> None:
    code = (
        "import sys\n"
        "sys.modules['jinja2'] = None\n"
        "try:\n"
        "    import starlette_c.templating\n"
        "except ImportError as exc:\n"
        "    print(type(exc).__name__, exc, type(exc.__cause__).__name__)\n"
    )
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
    assert result.stdout.strip() == "ImportError jinja2 must be installed to use Jinja2Templates ModuleNotFoundError"
