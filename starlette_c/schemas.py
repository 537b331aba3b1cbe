from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from starlette_c.requests import Request
from starlette_c.responses import Response
from starlette_c.routing import BaseRoute, Host, Mount, Route

try:
    import yaml
except ModuleNotFoundError:  # pragma: no cover - run in a subprocess by tests/test_schemas.py
    yaml = None  # type: ignore[assignment]

_remove_converter_pattern = re.compile(r":\w+}")

_ENDPOINT_METHODS = ("get", "post", "put", "patch", "delete", "options")


class OpenAPIResponse(Response):
    media_type = "application/vnd.oai.openapi"

    def render(self, content: Any) -> bytes:
        assert yaml is not None, "`pyyaml` must be installed to use OpenAPIResponse."
        assert isinstance(content, dict), "The schema passed to OpenAPIResponse should be a dictionary."
        return yaml.dump(content, default_flow_style=False).encode("utf-8")


class EndpointInfo(NamedTuple):
    path: str
    http_method: str
    func: Callable[..., Any]


class BaseSchemaGenerator:
    def get_schema(self, routes: list[BaseRoute]) -> dict[str, Any]:
        raise NotImplementedError()

    def get_endpoints(self, routes: list[BaseRoute]) -> list[EndpointInfo]:
        """One entry per documented operation: ``Mount`` and ``Host`` are walked, HTTP endpoint classes split
        into their methods, and routes with ``include_in_schema=False`` (and websocket routes) left out.
        """
        endpoints_info: list[EndpointInfo] = []
        for route in routes:
            if isinstance(route, (Mount, Host)):
                prefix = self._remove_converter(route.path) if isinstance(route, Mount) else ""
                endpoints_info.extend(
                    EndpointInfo(prefix + sub.path, sub.http_method, sub.func)
                    for sub in self.get_endpoints(route.routes or [])
                )
            elif not isinstance(route, Route) or not route.include_in_schema:
                continue
            elif inspect.isfunction(route.endpoint) or inspect.ismethod(route.endpoint):
                path = self._remove_converter(route.path)
                for method in route.methods or ["GET"]:
                    if method == "HEAD":
                        continue
                    endpoints_info.append(EndpointInfo(path, method.lower(), route.endpoint))
            else:
                path = self._remove_converter(route.path)
                for method in _ENDPOINT_METHODS:
                    if hasattr(route.endpoint, method):
                        endpoints_info.append(EndpointInfo(path, method, getattr(route.endpoint, method)))
        return endpoints_info

    def _remove_converter(self, path: str) -> str:
        """``/users/{id:int}`` → ``/users/{id}``: OpenAPI paths carry parameter names only."""
        return _remove_converter_pattern.sub("}", path)

    def parse_docstring(self, func_or_method: Callable[..., Any]) -> dict[str, Any]:
        """The YAML after the last ``---`` of the docstring (the whole docstring without one), if it is a mapping."""
        docstring = func_or_method.__doc__
        if not docstring:
            return {}
        assert yaml is not None, "`pyyaml` must be installed to use parse_docstring."
        parsed = yaml.safe_load(docstring.split("---")[-1])
        if not isinstance(parsed, dict):
            return {}
        return parsed

    def OpenAPIResponse(self, request: Request) -> Response:
        routes = request.app.routes
        schema = self.get_schema(routes=routes)
        return OpenAPIResponse(schema)


class SchemaGenerator(BaseSchemaGenerator):
    def __init__(self, base_schema: dict[str, Any]) -> None:
        self.base_schema = base_schema

    def get_schema(self, routes: list[BaseRoute]) -> dict[str, Any]:
        schema = dict(self.base_schema)
        schema.setdefault("paths", {})
        for endpoint in self.get_endpoints(routes):
            parsed = self.parse_docstring(endpoint.func)
            if not parsed:
                continue
            schema["paths"].setdefault(endpoint.path, {})[endpoint.http_method] = parsed
        return schema
