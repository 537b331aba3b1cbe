# cython: language_level=3
"""Compiled twin of ``starlette_c._pure.routing``: route template compilation and per-request matching."""

cimport cython
from cpython.object cimport PyObject
from cpython.unicode cimport PyUnicode_DecodeLatin1


cdef extern from *:
    """
    /* The function obj.<name> would be bound from, found without binding it (borrowed): the type's generic
       attribute lookup finds it and the instance dict, which comes first for a plain function, lacks name.
       NULL when the lookup would find something else or cannot be told (an error is set only on failure). */
    static PyObject *starlette_c_unbound_method(PyObject *obj, PyObject *name) {
        PyTypeObject *type = Py_TYPE(obj);
        PyObject *found, *dict, *own;
        if (type->tp_getattro != PyObject_GenericGetAttr) {
            return NULL;
        }
        found = _PyType_Lookup(type, name);
        if (found == NULL || !PyFunction_Check(found)) {
            return NULL;
        }
        dict = PyObject_GenericGetDict(obj, NULL);
        if (dict == NULL) {
            PyErr_Clear();  /* no instance dict: the type's attribute is what a lookup finds */
            return found;
        }
        own = PyDict_GetItemWithError(dict, name);
        Py_DECREF(dict);
        return own == NULL ? found : NULL;
    }
    """
    PyObject *_unbound_method "starlette_c_unbound_method"(object obj, object name) except? NULL


cdef inline bint _has_stock_method(object obj, str name, object function) except -1:
    """Whether ``obj.<name>`` would be ``function`` bound to ``obj``."""
    return _unbound_method(obj, name) == <PyObject*>function


cdef extern from "Python.h":
    Py_ssize_t PyUnicode_FindChar(object text, Py_UCS4 ch, Py_ssize_t start, Py_ssize_t end, int direction) except -2
    Py_ssize_t PyUnicode_Tailmatch(object text, object sub, Py_ssize_t start, Py_ssize_t end, int direction) except -1

import re
from itertools import islice as _islice

from starlette_c._pure import routing as _pure
from starlette_c._utils import get_route_path as _get_route_path
from starlette_c.convertors import CONVERTOR_TYPES
from starlette_c.convertors import IntegerConvertor as _IntegerConvertor
from starlette_c.convertors import PathConvertor as _PathConvertor
from starlette_c.convertors import StringConvertor as _StringConvertor

cdef object _Pattern = re.Pattern
# The stock conversions, recognised by the function a convertor's ``convert`` is bound to.
cdef object _STR_CONVERT = _StringConvertor.convert
cdef object _PATH_CONVERT = _PathConvertor.convert
cdef object _INT_CONVERT = _IntegerConvertor.convert

PARAM_REGEX = re.compile("{([a-zA-Z_][a-zA-Z0-9_]*)(:[a-zA-Z_][a-zA-Z0-9_]*)?}")

# NOTE: a pattern this module compiled from a path template whose captures need no backtracking (literal
# text, then "{x}"/"{x:str}" or "{x:int}" followed by "/"-led text or the end, an optional trailing
# "{x:path}") has a hand-written _Program that gives exactly the regex's captures. Programs are found by
# the identity of the pattern object (the program holds it, so the id cannot be reused while cached);
# any other pattern object, equal or not, simply takes the regex route.
cdef dict _programs = {}
# NOTE: bounded so that compiling endless distinct templates cannot grow memory; a pattern that falls
# out takes the (equivalent) regex route again.
cdef Py_ssize_t _PROGRAMS_MAX = 4096
cdef enum:
    _MAX_PARAMS = 16
    _K_STR = 1
    _K_INT = 2
    _K_PATH = 3


cdef str _literal(str text, bint is_host):
    cdef str escaped = re.escape(text)
    if is_host and escaped:
        # NOTE: hosts match ignoring case (hardening); only literal parts, so convertor regexes keep their meaning.
        return f"(?i:{escaped})"
    return escaped


def compile_path(path):
    """Compile ``/users/{id:int}`` (or a host template such as ``{sub}.example.org``) into
    ``(regex, format string, {param name: convertor})``."""
    is_host = not path.startswith("/")
    path_regex = "^"
    path_format = ""
    param_convertors = {}
    duplicated = []
    pieces = []
    idx = 0
    for match in PARAM_REGEX.finditer(path):
        param_name, convertor_type = match.groups("str")
        convertor_type = convertor_type.lstrip(":")
        assert convertor_type in CONVERTOR_TYPES, f"Unknown path convertor '{convertor_type}'"
        convertor = CONVERTOR_TYPES[convertor_type]
        literal = path[idx : match.start()]
        convertor_regex = convertor.regex
        path_regex += _literal(literal, is_host) + f"(?P<{param_name}>{convertor_regex})"
        path_format += literal + "{" + param_name + "}"
        if param_name in param_convertors and param_name not in duplicated:
            duplicated.append(param_name)
        param_convertors[param_name] = convertor
        pieces.append((literal, param_name, convertor_regex))
        idx = match.end()

    if duplicated:
        names = ", ".join(sorted(duplicated))
        ending = "s" if len(duplicated) > 1 else ""
        raise ValueError(f"Duplicated param name{ending} {names} at path {path}")

    tail = path[idx:]
    # NOTE: a host template's trailing ":port" is kept for URL building but never matched.
    path_regex += _literal(tail.split(":")[0] if is_host else tail, is_host) + "$"
    path_format += tail
    compiled = re.compile(path_regex)
    if not is_host and type(path) is str:
        _remember(compiled, pieces, tail)
    return compiled, path_format, param_convertors


cdef int _kind(object regex):
    if regex == "[^/]+":
        return _K_STR
    if regex == "[0-9]+":
        return _K_INT
    if regex == ".*":
        return _K_PATH
    return 0


cdef inline bint _is_digit(Py_UCS4 ch):
    return ch >= 48 and ch <= 57  # "0" to "9": a str pattern's [0-9] is ASCII only


@cython.final
@cython.auto_pickle(False)
cdef class _Program:
    """The captures of one path pattern, computed without the regex engine."""

    cdef object pattern  # NOTE: keeps the keyed pattern alive, so its id stays unique while cached.
    cdef tuple literals  # the exact text before each param
    cdef tuple names
    cdef int kinds[_MAX_PARAMS]
    cdef Py_ssize_t count
    cdef str tail

    @cython.boundscheck(True)
    cdef dict run(self, str text):
        """The raw captures of ``<pattern>.fullmatch(text)`` as the regex's groupdict, or None."""
        cdef Py_ssize_t n = len(text)
        cdef Py_ssize_t pos = 0
        cdef Py_ssize_t start, end, size, i
        cdef str literal
        cdef dict params = {}
        cdef int kind
        for i in range(self.count):
            literal = <str>self.literals[i]
            size = len(literal)
            if size:
                if n - pos < size or not PyUnicode_Tailmatch(text, literal, pos, n, -1):
                    return None
                pos += size
            start = pos
            kind = self.kinds[i]
            if kind == _K_STR:
                # PERF: "[^/]+" followed by "/"-led text or the end: the capture runs to the next "/".
                end = PyUnicode_FindChar(text, 47, pos, n, 1)
                pos = n if end < 0 else end
            elif kind == _K_INT:
                while pos < n and _is_digit(text[pos]):
                    pos += 1
            else:
                # NOTE: ".*" fully matched: "." stops at a newline, so the rest must hold none.
                if PyUnicode_FindChar(text, 10, pos, n, 1) >= 0:
                    return None
                params[self.names[i]] = text[start:n]
                return params
            if pos == start:
                return None
            params[self.names[i]] = text[start:pos]
        size = len(self.tail)
        # NOTE: fullmatch, as the pure twin: a final newline is not swallowed by the pattern's "$".
        if n - pos != size or (size and not PyUnicode_Tailmatch(text, self.tail, pos, n, -1)):
            return None
        return params


cdef _remember(object compiled, list pieces, str tail):
    """Store a _Program for ``compiled`` when its captures cannot depend on backtracking."""
    cdef Py_ssize_t count = len(pieces)
    cdef Py_ssize_t i
    cdef int kind
    cdef str following
    if count > _MAX_PARAMS:
        return
    cdef _Program program = _Program.__new__(_Program)
    for i in range(count):
        kind = _kind(pieces[i][2])
        following = pieces[i + 1][0] if i + 1 < count else tail
        if kind == 0:
            return
        if kind == _K_PATH:
            if i + 1 < count or tail:
                return
        elif following:
            if kind == _K_STR and following[0] != "/":
                return
            if kind == _K_INT and _is_digit(following[0]):
                return
        elif i + 1 < count:
            return
        program.kinds[i] = kind
    program.pattern = compiled
    program.literals = tuple([piece[0] for piece in pieces])
    program.names = tuple([piece[1] for piece in pieces])
    program.count = count
    program.tail = tail
    if len(_programs) >= _PROGRAMS_MAX:
        _programs.clear()
    _programs[<size_t><void*>compiled] = program


cdef inline _Program _program_for(object path_regex):
    if not _programs:
        return None
    return <_Program>_programs.get(<size_t><void*>path_regex)


cdef inline object _convert(object convertor, object value):
    cdef PyObject *function
    if type(value) is str:
        # PERF: the stock conversions inline, recognised without binding; overrides (class or instance) still win.
        function = _unbound_method(convertor, "convert")
        if function == <PyObject*>_STR_CONVERT or function == <PyObject*>_PATH_CONVERT:
            return value
        if function == <PyObject*>_INT_CONVERT:
            return int(value)
    return getattr(convertor, "convert")(value)


cdef object _converted(dict params, object param_convertors):
    try:
        # PERF: a typed dict iterated in C; only values are replaced, so the dict never resizes.
        if type(param_convertors) is dict:
            for key, value in params.items():
                params[key] = _convert((<dict>param_convertors)[key], value)
        else:
            for key, value in params.items():
                params[key] = _convert(param_convertors[key], value)
    except ValueError:
        # NOTE: a value its convertor rejects (e.g. a 5000-digit int) is no match, not a 500 as in the reference.
        return None
    return params


cdef inline object _scope_get(object scope, str key):
    """``scope.get(key)``."""
    if type(scope) is dict:
        # PERF: no method call for the plain dict every ASGI server passes.
        return (<dict>scope).get(key)
    return scope.get(key)


cdef inline object _scope_item(object scope, str key):
    """``scope[key]``."""
    if type(scope) is dict:
        return (<dict>scope)[key]
    return scope[key]


cdef dict _merged(object scope, dict params):
    cdef object scope_params = _scope_get(scope, "path_params")
    if not scope_params:
        return params
    cdef dict merged = dict(scope_params)
    merged.update(params)
    return merged


cdef inline dict _captures(object path_regex, object route_path):
    """The raw groupdict of ``path_regex`` on ``route_path``, or None when it does not match."""
    cdef _Program program
    if type(route_path) is str:
        program = _program_for(path_regex)
        if program is not None:
            return program.run(<str>route_path)
    match = path_regex.fullmatch(route_path)
    if match is None:
        return None
    return match.groupdict()


def match_path(path_regex, param_convertors, route_path, scope):
    """The path params of a route matching ``route_path`` (a copy of ``scope["path_params"]`` updated with the
    converted captures), or ``None`` when it does not match."""
    return _match_path(path_regex, param_convertors, route_path, scope)


cdef object _match_path(object path_regex, object param_convertors, object route_path, object scope):
    if type(path_regex) is not _Pattern:
        # NOTE: stand-ins for a compiled pattern (duck-typed .match) take the pure code path unchanged.
        return _pure.match_path(path_regex, param_convertors, route_path, scope)
    cdef dict params = _captures(path_regex, route_path)
    if params is None or _converted(params, param_convertors) is None:
        return None
    return _merged(scope, params)


@cython.wraparound(True)
def match_mount(path_regex, param_convertors, route_path, scope):
    """``match_path`` for a mount's ``<prefix>/{path:path}`` pattern: the path params without the captured
    remainder, and the part of ``route_path`` the prefix matched; ``None`` when it does not match."""
    if type(path_regex) is not _Pattern:
        return _pure.match_mount(path_regex, param_convertors, route_path, scope)
    cdef dict params = _captures(path_regex, route_path)
    if params is None or _converted(params, param_convertors) is None:
        return None
    remaining_path = "/" + params.pop("path")
    return _merged(scope, params), route_path[: -len(remaining_path)]


cdef object _pure_host_from_headers(object headers):
    return _pure.host_from_headers(headers)


@cython.boundscheck(True)
def host_from_headers(headers):
    """The first ``host`` header (ASGI names are lowercase) without its port; empty when there is none."""
    cdef Py_ssize_t index = 0
    cdef Py_ssize_t colon
    cdef str text
    if type(headers) is not list and type(headers) is not tuple:
        # NOTE: other iterables (generators, custom sequences) go through the pure loop unchanged.
        return _pure_host_from_headers(headers)
    # PERF: a C loop over the list of 2-tuples every ASGI server sends; the list is re-checked for size each step.
    for item in headers:
        if type(item) is not tuple or len(<tuple>item) != 2:
            # NOTE: malformed entries: the pure loop raises the exact unpacking errors from here on.
            return _pure_host_from_headers(_islice(headers, index, None))
        key = (<tuple>item)[0]
        if type(key) is bytes:
            if key != b"host":
                index += 1
                continue
        elif not (key == b"host"):
            index += 1
            continue
        value = (<tuple>item)[1]
        if type(value) is bytes:
            text = PyUnicode_DecodeLatin1(<bytes>value, len(<bytes>value), NULL)
            colon = text.find(":")
            return text if colon < 0 else text[:colon]
        return value.decode("latin-1").split(":")[0]
    return ""


cdef class RouteMatcher:
    """The matching of routes: the stock ``Route.matches`` for a route, and the router's first-match loop.

    ``starlette_c.routing`` builds one with its ``Route.matches`` function and ``Match`` members (this module
    cannot import them: routing imports it).
    """

    cdef object _stock
    cdef object _full
    cdef object _partial
    cdef object _none
    cdef object _filing
    cdef object _stock_handle

    def __init__(self, stock_matches, full, partial, none, filing, stock_handle):
        self._stock = stock_matches
        self._full = full
        self._partial = partial
        self._none = none
        self._filing = filing
        self._stock_handle = stock_handle

    def route(self, route, scope):
        """What the stock ``Route.matches`` answers for ``route``: FULL, PARTIAL (method not allowed) or NONE."""
        return self._route(route, scope)

    cdef tuple _route(self, object route, object scope):
        cdef object route_path, literal, path_regex, path_params, scope_params, methods
        cdef dict child_scope
        if _scope_item(scope, "type") == "http":
            # PERF: get_route_path's work is skipped when there is no root_path (the usual case).
            route_path = _get_route_path(scope) if _scope_get(scope, "root_path") else _scope_item(scope, "path")
            literal = route._literal
            path_regex = route.path_regex
            if literal is None or literal[1] is not path_regex:
                path_params = _match_path(path_regex, route.param_convertors, route_path, scope)
            elif route_path == literal[0]:
                # PERF: a parameterless path is compared as a string, without running its regex.
                scope_params = _scope_get(scope, "path_params")
                path_params = dict(scope_params) if scope_params else {}
            else:
                path_params = None
            if path_params is not None:
                child_scope = {"endpoint": route.endpoint, "path_params": path_params}
                methods = route.methods
                if methods and _scope_item(scope, "method") not in methods:
                    return (self._partial, child_scope)
                return (self._full, child_scope)
        return (self._none, {})

    def first(self, candidates, scope):
        """The first route matching fully, else the first matching partially, else ``(None, {})``."""
        return self._first(candidates, scope)

    cdef tuple _first(self, object candidates, object scope):
        cdef object partial = None
        cdef object partial_scope = {}
        cdef object match, child_scope
        for _, route in candidates:
            # PERF: the stock Route.matches runs here in C, recognised without binding it; overrides on the class
            # or the instance are called.
            if _has_stock_method(route, "matches", self._stock):
                match, child_scope = self._route(route, scope)
            else:
                match, child_scope = getattr(route, "matches")(scope)
            if match is self._full:
                return route, child_scope
            if match is self._partial and partial is None:
                partial, partial_scope = route, child_scope
        return partial, partial_scope

    def routes(self, routes, scope):
        """The router's match in ``routes`` (a ``RouteList``): ``first`` over the candidates its index gives."""
        cdef object index = routes._index or routes.route_index(self._filing)
        # PERF: get_route_path's work is skipped when there is no root_path (the usual case).
        cdef object route_path = _get_route_path(scope) if _scope_get(scope, "root_path") else _scope_item(scope, "path")
        return self._first(_candidates(index, route_path), scope)

    def direct_handler(self, route, scope):
        """The request handler to await for ``route`` in place of its stock ``handle``, else None.

        Only when ``handle`` would call the stock request_response app the route built (see ``Route._direct``).
        """
        cdef object direct
        if route is None:
            return None
        direct = getattr(route, "_direct", None)
        if direct is None or route.app is not direct[0] or not self._serves(route, scope):
            return None
        return direct[1]

    def serves(self, route, scope):
        """Whether ``route.handle`` is the stock ``Route.handle`` and would call ``route.app`` (an allowed method)."""
        return self._serves(route, scope)

    cdef bint _serves(self, object route, object scope) except -1:
        cdef object methods
        # NOTE: a handle overridden on the class or the instance is still called.
        if not _has_stock_method(route, "handle", self._stock_handle):
            route.handle  # NOTE: looked up all the same, so a route without one raises as in the pure twin.
            return False
        methods = route.methods
        return not methods or _scope_item(scope, "method") in methods


cdef object _candidates(object index, object route_path):
    """``index.candidates(route_path)``, walked here in C once the candidate list of the path's node is built."""
    cdef object exact, node, children, child, found
    cdef Py_ssize_t start, end, length
    exact = index._exact
    if type(route_path) is not str or type(exact) is not dict:
        return index.candidates(route_path)
    # PERF: the index's dicts are read as dicts (no bound get method per lookup).
    node = (<dict>exact).get(route_path)
    if node is None:
        node = index._root
        children = node.children
        if children and type(children) is dict:
            # PERF: the segments of route_path.split("/")[1:-1] sliced one by one, each looked up as it comes.
            length = len(<str>route_path)
            start = PyUnicode_FindChar(route_path, 47, 0, length, 1)
            while start >= 0:
                end = PyUnicode_FindChar(route_path, 47, start + 1, length, 1)
                if end < 0:
                    break
                child = (<dict>children).get((<str>route_path)[start + 1 : end])
                if child is None:
                    break
                node = child
                children = child.children
                if type(children) is not dict:
                    return index.candidates(route_path)
                start = end
        elif children:
            return index.candidates(route_path)
    found = node.candidates
    if found is None:
        return index.candidates(route_path)
    return found
