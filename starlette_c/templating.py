"""``Jinja2Templates``: HTML responses rendered from Jinja2 templates."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from os import PathLike
from typing import Any, overload

from starlette_c.background import BackgroundTask
from starlette_c.datastructures import URL
from starlette_c.requests import Request
from starlette_c.responses import HTMLResponse
from starlette_c.types import Receive, Scope, Send

try:
    import jinja2
except ImportError as exc:  # pragma: no cover - run in a subprocess by tests/test_templates.py
    raise ImportError("jinja2 must be installed to use Jinja2Templates") from exc

_ONE_OF_DIRECTORY_OR_ENV = "either 'directory' or 'env' arguments must be passed"
_DEBUG_EXTENSION = "http.response.debug"


class _TemplateResponse(HTMLResponse):
    """The rendered ``template``; keeps ``template`` and ``context`` for tests and debugging tools."""

    def __init__(self, template: Any, context: dict[str, Any], status_code: int = 200,
                 headers: Mapping[str, str] | None = None, media_type: str | None = None,
                 background: BackgroundTask | None = None):  # fmt: skip
        self.template, self.context = template, context
        HTMLResponse.__init__(self, template.render(context), status_code, headers, media_type, background)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # NOTE: the request in the context tells whether the server (or TestClient) takes the debug message.
        extensions = self.context.get("request", {}).get("extensions", {})
        if _DEBUG_EXTENSION in extensions:
            await send({"type": _DEBUG_EXTENSION, "info": {"template": self.template, "context": self.context}})
        await HTMLResponse.__call__(self, scope, receive, send)


@jinja2.pass_context
def _url_for(context: Any, name: str, /, **path_params: Any) -> URL:
    """The ``url_for`` global of templates: the URL of the route ``name`` for the request being rendered."""
    request: Request = context["request"]
    return request.url_for(name, **path_params)


class Jinja2Templates:
    """Render Jinja2 templates into HTML responses.

    Give either ``directory`` (one path or several, searched in order; autoescaping is on for ``.html``,
    ``.htm`` and ``.xml`` templates) or a ready ``env``. Templates can call ``url_for(name, **path_params)``,
    and every context gets the ``request`` plus whatever the ``context_processors`` return for it.
    """

    @overload
    def __init__(self, directory: str | PathLike[str] | Sequence[str | PathLike[str]], *,
                 context_processors: list[Callable[[Request], dict[str, Any]]] | None = None) -> None: ...  # fmt: skip

    @overload
    def __init__(self, *, env: jinja2.Environment,
                 context_processors: list[Callable[[Request], dict[str, Any]]] | None = None) -> None: ...  # fmt: skip

    def __init__(self, directory: str | PathLike[str] | Sequence[str | PathLike[str]] | None = None, *,
                 context_processors: list[Callable[[Request], dict[str, Any]]] | None = None,
                 env: jinja2.Environment | None = None) -> None:  # fmt: skip
        assert bool(directory) != (env is not None), _ONE_OF_DIRECTORY_OR_ENV
        if env is None:
            # NOTE: autoescape is on for .html/.htm/.xml templates and for templates built from strings.
            loader = jinja2.FileSystemLoader(directory)  # type: ignore[arg-type]
            env = jinja2.Environment(loader=loader, autoescape=jinja2.select_autoescape())
        self.env = env
        self.context_processors = context_processors or []
        self._setup_env_defaults(env)

    def _setup_env_defaults(self, env: jinja2.Environment) -> None:
        env.globals.setdefault("url_for", _url_for)

    def get_template(self, name: str) -> jinja2.Template:
        return self.env.get_template(name)

    def TemplateResponse(self, request: Request, name: str, context: dict[str, Any] | None = None,
                         status_code: int = 200, headers: Mapping[str, str] | None = None,
                         media_type: str | None = None,
                         background: BackgroundTask | None = None) -> _TemplateResponse:  # fmt: skip
        # NOTE: a given (non-empty) context is the one the response keeps, with the request added to it.
        context = context or {}
        context.setdefault("request", request)
        for processor in self.context_processors:
            context.update(processor(request))
        return _TemplateResponse(self.get_template(name), context, status_code, headers, media_type, background)
