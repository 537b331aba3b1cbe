"""The examples of docs/templates.md, with ``starlette`` imports changed to ``starlette_c``.

``commonmark`` is replaced by a small fake: the example only registers it as a filter.
"""

from __future__ import annotations

import sys
import types
import typing
from pathlib import Path

import pytest

from tests.conftest import TestClientFactory


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "templates").mkdir()
    (tmp_path / "static" / "css").mkdir(parents=True)
    (tmp_path / "static" / "css" / "bootstrap.min.css").write_text("/* css */")
    (tmp_path / "templates" / "index.html").write_text(
        """<link href="{{ url_for('static', path='/css/bootstrap.min.css') }}" rel="stylesheet" />"""
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_jinja2_templates_app(workdir: Path, test_client_factory: TestClientFactory) -> None:
    from starlette_c.applications import Starlette
    from starlette_c.routing import Mount, Route
    from starlette_c.staticfiles import StaticFiles
    from starlette_c.templating import Jinja2Templates

    templates = Jinja2Templates(directory="templates")

    async def homepage(request: typing.Any) -> typing.Any:
        return templates.TemplateResponse(request, "index.html")

    routes = [Route("/", endpoint=homepage), Mount("/static", StaticFiles(directory="static"), name="static")]

    app = Starlette(debug=True, routes=routes)

    client = test_client_factory(app)
    response = client.get("/")
    assert response.text == ('<link href="http://testserver/static/css/bootstrap.min.css" rel="stylesheet" />')
    assert client.get("/static/css/bootstrap.min.css").text == "/* css */"

    # Testing template responses
    assert response.status_code == 200
    assert response.template.name == "index.html"
    assert "request" in response.context


def test_custom_filters(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("commonmark")
    fake.commonmark = lambda text: f"<p>{text}</p>\n"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "commonmark", fake)

    from commonmark import commonmark  # type: ignore[import-not-found]

    from starlette_c.templating import Jinja2Templates

    def marked_filter(text: str) -> str:
        return commonmark(text)  # type: ignore[no-any-return]

    templates = Jinja2Templates(directory="templates")
    templates.env.filters["marked"] = marked_filter

    (workdir / "templates" / "post.txt").write_text("{{ body | marked }}")
    assert templates.get_template("post.txt").render(body="hi") == "<p>hi</p>\n"


def test_custom_environment(workdir: Path) -> None:
    import jinja2

    from starlette_c.templating import Jinja2Templates

    env = jinja2.Environment(loader=jinja2.FileSystemLoader("templates"))
    templates = Jinja2Templates(env=env)

    assert templates.env is env
    assert "url_for" in env.globals


def test_autoescape(workdir: Path, test_client_factory: TestClientFactory) -> None:
    from starlette_c.applications import Starlette
    from starlette_c.routing import Route
    from starlette_c.templating import Jinja2Templates

    (workdir / "templates" / "hello.html").write_text("<p>Hello {{ name }}</p>")
    templates = Jinja2Templates(directory="templates")

    async def hello(request: typing.Any) -> typing.Any:
        return templates.TemplateResponse(request, "hello.html", {"name": request.query_params["name"]})

    client = test_client_factory(Starlette(routes=[Route("/", hello)]))
    response = client.get("/", params={"name": "<script>alert('XSS')</script>"})
    assert response.text == "<p>Hello &lt;script&gt;alert(&#39;XSS&#39;)&lt;/script&gt;</p>"


def test_context_processors(workdir: Path, test_client_factory: TestClientFactory) -> None:
    from starlette_c.applications import Starlette
    from starlette_c.requests import Request
    from starlette_c.routing import Route
    from starlette_c.templating import Jinja2Templates

    def app_context(request: Request) -> typing.Dict[str, typing.Any]:  # noqa: UP006
        return {"app": request.app}

    templates = Jinja2Templates(directory="templates", context_processors=[app_context])

    (workdir / "templates" / "debug.html").write_text("debug={{ app.debug }}")

    async def page(request: Request) -> typing.Any:
        return templates.TemplateResponse(request, "debug.html")

    app = Starlette(debug=True, routes=[Route("/", page)])
    response = test_client_factory(app).get("/")
    assert response.text == "debug=True"
    assert response.context["app"] is app
