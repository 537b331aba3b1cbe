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
    from jinja2 import pass_context
except ImportError as exc:  # pragma: no cover - run in a subprocess by tests/test_templates.py
    raise ImportError("jinja2 must be installed to use Jinja2Templates") from exc

_ONE_OF_DIRECTORY_OR_ENV = "either 'directory' or 'env' arguments must be passed"


class _TemplateResponse(HTMLResponse):
    def __init__(
        self,
        template: Any,
        context: dict[str, Any],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ):
        self.template = template
        self.context = context
        content = template.render(context)
        super().__init__(content, status_code, headers, media_type, background)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = self.context.get("request", {})
        if "http.response.debug" in request.get("extensions", {}):
            await send({"type": "http.response.debug", "info": {"template": self.template, "context": self.context}})
        await super().__call__(scope, receive, send)


class Jinja2Templates:
    """Render Jinja2 templates into HTML responses.

    Give either ``directory`` (one path or several, searched in order; autoescaping is on for ``.html``,
    ``.htm`` and ``.xml`` templates) or a ready ``env``. Templates can call ``url_for(name, **path_params)``,
    and every context gets the ``request`` plus whatever the ``context_processors`` return for it.
    """

    @overload
    def __init__(
        self,
        directory: str | PathLike[str] | Sequence[str | PathLike[str]],
        *,
        context_processors: list[Callable[[Request], dict[str, Any]]] | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        *,
        env: jinja2.Environment,
        context_processors: list[Callable[[Request], dict[str, Any]]] | None = None,
    ) -> None: ...

    def __init__(
        self,
        directory: str | PathLike[str] | Sequence[str | PathLike[str]] | None = None,
        *,
        context_processors: list[Callable[[Request], dict[str, Any]]] | None = None,
        env: jinja2.Environment | None = None,
    ) -> None:
        if env is None:
            assert directory, _ONE_OF_DIRECTORY_OR_ENV
            # NOTE: autoescape is on for .html/.htm/.xml templates and for templates built from strings.
            env = jinja2.Environment(loader=jinja2.FileSystemLoader(directory), autoescape=jinja2.select_autoescape())
        else:
            assert not directory, _ONE_OF_DIRECTORY_OR_ENV
        self.context_processors = context_processors or []
        self.env = env
        self._setup_env_defaults(env)

    def _setup_env_defaults(self, env: jinja2.Environment) -> None:
        @pass_context
        def url_for(context: dict[str, Any], name: str, /, **path_params: Any) -> URL:
            request: Request = context["request"]
            return request.url_for(name, **path_params)

        env.globals.setdefault("url_for", url_for)

    def get_template(self, name: str) -> jinja2.Template:
        return self.env.get_template(name)

    def TemplateResponse(
        self,
        request: Request,
        name: str,
        context: dict[str, Any] | None = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> _TemplateResponse:
        context = context or {}
        context.setdefault("request", request)
        for context_processor in self.context_processors:
            context.update(context_processor(request))
        template = self.get_template(name)
        return _TemplateResponse(
            template,
            context,
            status_code=status_code,
            headers=headers,
            media_type=media_type,
            background=background,
        )
