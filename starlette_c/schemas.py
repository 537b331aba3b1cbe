"""OpenAPI schemas assembled from the YAML in endpoint docstrings."""

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

_CONVERTOR_SUFFIX = re.compile(r":\w+}")
# NOTE: the order operations of an endpoint class are listed in; HEAD is never documented.
_CLASS_OPERATIONS = ("get", "post", "put", "patch", "delete", "options", "query")
_LEADING_VERSION = re.compile(r"(\d+)\.(\d+)")
_FIRST_VERSION_WITH_QUERY = (3, 2)


def _documents_query(schema: dict[str, Any]) -> bool:
    """The QUERY operation exists from OpenAPI 3.2 on; older (or unversioned) schemas leave it out."""
    found = _LEADING_VERSION.match(str(schema.get("openapi", "")))
    return found is not None and (int(found[1]), int(found[2])) >= _FIRST_VERSION_WITH_QUERY


def _require_yaml(user: str) -> None:
    assert yaml is not None, f"`pyyaml` must be installed to use {user}."


class EndpointInfo(NamedTuple):
    path: str
    http_method: str
    func: Callable[..., Any]


class OpenAPIResponse(Response):
    """The schema as YAML, in block style and with sorted keys."""

    media_type = "application/vnd.oai.openapi"

    def render(self, content: Any) -> bytes:
        _require_yaml("OpenAPIResponse")
        assert isinstance(content, dict), "The schema passed to OpenAPIResponse should be a dictionary."
        return yaml.dump(content, default_flow_style=False).encode("utf-8")


class BaseSchemaGenerator:
    """Walks an application's routes; subclasses decide what the schema holds (``get_schema``)."""

    def get_schema(self, routes: list[BaseRoute]) -> dict[str, Any]:
        raise NotImplementedError()

    def get_endpoints(self, routes: list[BaseRoute]) -> list[EndpointInfo]:
        """One entry per documentable operation, ``Mount`` and ``Host`` children included (under the mount's
        path); websocket routes and routes with ``include_in_schema=False`` are skipped.
        """
        found: list[EndpointInfo] = []
        for route in routes:
            if isinstance(route, Mount | Host):
                prefix = self._remove_converter(route.path) if isinstance(route, Mount) else ""
                nested = self.get_endpoints(route.routes or [])
                found.extend(info._replace(path=prefix + info.path) for info in nested)
            elif isinstance(route, Route) and route.include_in_schema:
                found.extend(self._route_operations(route))
        return found

    def _route_operations(self, route: Route) -> list[EndpointInfo]:
        path = self._remove_converter(route.path)
        endpoint = route.endpoint
        if not (inspect.isfunction(endpoint) or inspect.ismethod(endpoint)):
            # NOTE: an endpoint class (or instance) documents each handler method it defines.
            verbs = [verb for verb in _CLASS_OPERATIONS if hasattr(endpoint, verb)]
            return [EndpointInfo(path, verb, getattr(endpoint, verb)) for verb in verbs]
        methods = route.methods or ("GET",)
        return [EndpointInfo(path, method.lower(), endpoint) for method in methods if method != "HEAD"]

    def _remove_converter(self, path: str) -> str:
        """``/users/{id:int}`` becomes ``/users/{id}``: OpenAPI paths carry parameter names only."""
        return _CONVERTOR_SUFFIX.sub("}", path)

    def parse_docstring(self, func_or_method: Callable[..., Any]) -> dict[str, Any]:
        """The YAML after the docstring's last ``---`` (all of it without one), when that is a mapping.

        The separators are found left to right, as in Starlette: ``----`` is a separator followed by ``-``.
        """
        text = func_or_method.__doc__
        if not text:
            return {}
        _require_yaml("parse_docstring")
        loaded = yaml.safe_load(text.split("---")[-1])
        return loaded if isinstance(loaded, dict) else {}

    def OpenAPIResponse(self, request: Request) -> Response:
        return OpenAPIResponse(self.get_schema(routes=request.app.routes))


class SchemaGenerator(BaseSchemaGenerator):
    """Documents each operation whose docstring holds YAML, on top of a copy of ``base_schema``."""

    def __init__(self, base_schema: dict[str, Any]) -> None:
        self.base_schema = base_schema

    def get_schema(self, routes: list[BaseRoute]) -> dict[str, Any]:
        schema = dict(self.base_schema)
        paths = schema.setdefault("paths", {})
        with_query = _documents_query(schema)
        for info in self.get_endpoints(routes):
            if info.http_method == "query" and not with_query:
                continue
            operation = self.parse_docstring(info.func)
            if operation:
                paths.setdefault(info.path, {})[info.http_method] = operation
        return schema
