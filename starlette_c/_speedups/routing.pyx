# cython: language_level=3
"""Compiled twin of ``starlette_c._pure.routing``: path patterns matched by plans instead of the regex engine.

A pattern ``compile_path`` built from a template whose captures cannot depend on backtracking (literal text,
``{x}``/``{x:str}`` or ``{x:int}`` each followed by ``/``-led text or the end, an optional final ``{x:path}``)
is read back into a ``_Plan`` that finds exactly the regex's captures; any other pattern runs on the regex.
The plan of a route's pattern is kept on the route, next to the pattern it was read from, so replacing the
pattern is noticed and there is no shared cache to outgrow.
"""

cimport cython
from cpython.object cimport PyObject
from cpython.tuple cimport PyTuple_GET_SIZE


cdef extern from "_lookup.h":
    PyObject *_unbound_method "starlette_c_unbound_method"(object obj, object name) except? NULL
    object _instance_dict "starlette_c_instance_dict"(object obj)


cdef extern from "Python.h":
    ctypedef struct PyTypeObject
    PyTypeObject *Py_TYPE(object obj)
    PyObject *_PyType_Lookup(PyTypeObject *type, object name)
    bint PyMethod_Check(object obj)
    bint PyFunction_Check(object obj)
    PyObject *PyFunction_GET_CODE(object func)
    PyObject *PyMethod_GET_FUNCTION(object method)
    PyObject *PyMethod_GET_SELF(object method)
    Py_ssize_t PyUnicode_FindChar(object text, Py_UCS4 ch, Py_ssize_t start, Py_ssize_t end, int direction) except -2
    Py_ssize_t PyUnicode_Tailmatch(object text, object sub, Py_ssize_t start, Py_ssize_t end, int direction) except -1

import re

from starlette_c._pure import routing as _pure
from starlette_c._utils import get_route_path as _py_get_route_path
from starlette_c._utils import route_path_below as _py_route_path_below

PARAM_REGEX = _pure.PARAM_REGEX
compile_path = _pure.compile_path

cdef object _Pattern = re.Pattern
cdef int _PLAIN_FLAGS = re.compile("").flags

cdef enum:
    _STR = 1  # "[^/]+"
    _INT = 2  # "[0-9]+"
    _PATH = 3  # ".*"
    _MAX_CAPTURES = 16

# The capture groups compile_path writes, by the text that follows the group name.
cdef dict _GROUP_KINDS = {">[^/]+)": _STR, ">[0-9]+)": _INT, ">.*)": _PATH}
# The characters a regex gives a meaning to; re.escape puts a backslash before each one in literal text.
cdef str _SPECIAL = ".^$*+?{}[]|()\\"
cdef Py_ssize_t _fallbacks = 0
# Where a route keeps the plan of its pattern (beside the pattern it was read from), in its instance dict.
cdef str _PLAN_KEY = "_starlette_c_plan"


cdef object _get_route_path(object scope):
    """``_utils.get_route_path`` over a dict scope; any other scope is handed to it."""
    if type(scope) is not dict:
        return _py_get_route_path(scope)
    return _route_path_below((<dict>scope)["path"], (<dict>scope).get("root_path", ""))


cdef object _route_path_below(object path, object root):
    """``_utils.route_path_below`` over str paths; other paths are handed to it."""
    if type(path) is not str or type(root) is not str:
        return _py_route_path_below(path, root)
    cdef Py_ssize_t size = len(<str>root)
    if size == 0 or not PyUnicode_Tailmatch(path, root, 0, size, -1):
        return path
    if len(<str>path) == size:
        return ""
    if (<str>path)[size] == "/":
        return (<str>path)[size:]
    return path


def get_route_path(scope):
    """The part of ``scope["path"]`` below ``scope["root_path"]`` (the whole path when it is not below it)."""
    return _get_route_path(scope)


def regex_fallbacks():
    """How many patterns were read and found to need the regex engine (each pattern of a route counted once)."""
    return _fallbacks


cdef inline bint _is_digit(Py_UCS4 ch):
    return 48 <= ch <= 57  # "0" to "9": a str pattern's [0-9] is ASCII only


@cython.final
@cython.auto_pickle(False)
cdef class _Plan:
    """The captures of one path pattern, found without the regex engine."""

    cdef tuple literals  # the exact text before each capture
    cdef tuple names
    cdef int kinds[_MAX_CAPTURES]
    cdef Py_ssize_t count
    cdef str tail

    @cython.boundscheck(True)
    cdef dict run(self, str text):
        """The captures of ``<pattern>.fullmatch(text)`` as its groupdict, or None."""
        cdef Py_ssize_t n = len(text)
        cdef Py_ssize_t pos = 0
        cdef Py_ssize_t start, stop, size, i
        cdef str literal
        cdef dict captures = {}
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
            if kind == _STR:
                # PERF: "[^/]+" followed by "/"-led text or the end: the capture runs to the next "/".
                stop = PyUnicode_FindChar(text, 47, pos, n, 1)
                pos = n if stop < 0 else stop
            elif kind == _INT:
                while pos < n and _is_digit(text[pos]):
                    pos += 1
            else:
                # NOTE: ".*" to the end: "." stops at a newline, so the rest must hold none.
                if PyUnicode_FindChar(text, 10, pos, n, 1) >= 0:
                    return None
                captures[self.names[i]] = text[start:n]
                return captures
            if pos == start:
                return None
            captures[self.names[i]] = text[start:pos]
        size = len(self.tail)
        if n - pos != size or (size and not PyUnicode_Tailmatch(text, self.tail, pos, n, -1)):
            return None
        return captures


cdef object _unescaped(str text):
    """The literal text ``text`` (a piece of re.escape output) stands for, or None when it holds regex syntax."""
    cdef list out = []
    cdef Py_ssize_t i = 0
    cdef Py_ssize_t n = len(text)
    cdef Py_UCS4 ch
    while i < n:
        ch = text[i]
        if ch == "\\":
            if i + 1 == n or text[i + 1].isalnum():
                return None  # NOTE: "\d", "\w" and the like are classes, not escaped text.
            out.append(text[i + 1])
            i += 2
            continue
        if ch in _SPECIAL:
            return None
        out.append(ch)
        i += 1
    return "".join(out)


cdef object _read_plan(object pattern):
    """The plan of ``pattern``, or None when its captures could depend on backtracking (or it is not one of ours)."""
    if type(pattern) is not _Pattern or pattern.flags != _PLAIN_FLAGS:
        return None
    cdef object source = pattern.pattern
    if type(source) is not str:
        return None
    cdef Py_ssize_t size = len(<str>source)
    if size < 2 or not (<str>source).startswith("^") or not (<str>source).endswith("$"):
        return None
    cdef list pieces = (<str>source)[1 : size - 1].split("(?P<")
    cdef Py_ssize_t count = len(pieces) - 1
    if count > _MAX_CAPTURES:
        return None
    cdef list literals = []
    cdef list names = []
    cdef list kinds = []
    cdef object literal = _unescaped(pieces[0])
    cdef str piece, name, group
    cdef Py_ssize_t close
    for piece in pieces[1:]:
        if literal is None:
            return None
        literals.append(literal)
        close = piece.find(">")
        if close < 0:
            return None
        name = piece[:close]
        for group, kind in _GROUP_KINDS.items():
            if piece.startswith(group, close):
                break
        else:
            return None
        if not name.isidentifier():
            return None
        names.append(name)
        kinds.append(kind)
        literal = _unescaped(piece[close + len(group) :])
    if literal is None:
        return None
    return _planned(literals, names, kinds, literal)


cdef _Plan _planned(list literals, list names, list kinds, str tail):
    """A plan for the pieces, when each capture's end is found without looking ahead; else None."""
    cdef Py_ssize_t count = len(kinds)
    cdef Py_ssize_t i
    cdef int kind
    cdef str following
    cdef _Plan plan = _Plan.__new__(_Plan)
    for i in range(count):
        kind = kinds[i]
        following = literals[i + 1] if i + 1 < count else tail
        if kind == _PATH:
            if i + 1 < count or tail:
                return None
        elif not following:
            if i + 1 < count:
                return None  # NOTE: two captures back to back: where one ends depends on backtracking.
        elif kind == _STR and following[0] != "/":
            return None
        elif kind == _INT and _is_digit(following[0]):
            return None
        plan.kinds[i] = kind
    plan.literals = tuple(literals)
    plan.names = tuple(names)
    plan.count = count
    plan.tail = tail
    return plan


cdef object _plan_of(object pattern, object owner):
    """The plan of ``pattern``, kept on ``owner`` (a route) next to the pattern it was read from."""
    global _fallbacks
    cdef object kept = None
    # PERF: the instance dict itself, without looking up and calling the type's __dict__ descriptor.
    # NOTE: never a class's own dict: a plan is kept on a route object only.
    cdef object slot = _instance_dict(owner) if owner is not None and not isinstance(owner, type) else None
    if type(slot) is dict:
        kept = (<dict>slot).get(_PLAN_KEY)
        # NOTE: the shape is checked before the plan is trusted: the dict is the object's, open to anyone.
        if (
            type(kept) is tuple
            and PyTuple_GET_SIZE(kept) == 2
            and (<tuple>kept)[0] is pattern
            and (type((<tuple>kept)[1]) is _Plan or (<tuple>kept)[1] is None)
        ):
            return (<tuple>kept)[1]
    plan = _read_plan(pattern)
    if plan is None:
        _fallbacks += 1
    if type(slot) is dict:
        # NOTE: written to the instance dict directly: a route's attribute hook is for its public attributes.
        (<dict>slot)[_PLAN_KEY] = (pattern, plan)
    return plan


cdef dict _captures(object pattern, object text, object owner):
    """The groupdict of ``pattern`` fully matching ``text``, or None."""
    cdef object plan
    if type(text) is str:
        plan = _plan_of(pattern, owner)
        if plan is not None:
            return (<_Plan>plan).run(<str>text)
    found = pattern.fullmatch(text)
    return None if found is None else found.groupdict()


cdef dict _converted(dict captures, object convertors):
    """``captures`` through their convertors, in place; None when a convertor refuses one."""
    try:
        for name, raw in captures.items():
            # NOTE: always the convertor's own convert, so one patched on its class is honoured.
            captures[name] = convertors[name].convert(raw)
    except ValueError:
        # NOTE: a value its convertor rejects (e.g. a 5000-digit int) is no match, not a 500 as in the reference.
        return None
    return captures


cdef dict _over(object scope, dict captures):
    """The path params: ``scope``'s (those of the mounts above), updated with ``captures``."""
    # PERF: a dict scope's get without the attribute lookup.
    cdef object inherited = (<dict>scope).get("path_params") if type(scope) is dict else scope.get("path_params")
    if not inherited:
        return captures
    cdef dict params = dict(inherited)
    params.update(captures)
    return params


cdef dict _captured(object pattern, object convertors, object text, object owner):
    """The converted captures of ``pattern`` fully matching ``text``, or None."""
    cdef dict captures = _captures(pattern, text, owner)
    return None if captures is None else _converted(captures, convertors)


cdef object _params(object pattern, object convertors, object text, object scope, object owner):
    if type(pattern) is not _Pattern:
        # NOTE: stand-ins for a compiled pattern (duck-typed fullmatch) take the pure twin's path unchanged.
        return _pure.match_path(pattern, convertors, text, scope)
    cdef dict captures = _captured(pattern, convertors, text, owner)
    return None if captures is None else _over(scope, captures)


def match_path(pattern, convertors, text, scope, owner=None):
    """The path params when ``pattern`` matches all of ``text`` (``owner``: where the plan of ``pattern`` is kept)."""
    return _params(pattern, convertors, text, scope, owner)


def match_mount(pattern, convertors, text, scope, owner=None):
    """For a ``<prefix>/{path:path}`` pattern: the params but ``path``, and the prefix of ``text`` matched."""
    if type(pattern) is not _Pattern:
        return _pure.match_mount(pattern, convertors, text, scope)
    cdef dict captures = _captured(pattern, convertors, text, owner)
    if captures is None:
        return None
    rest = captures.pop("path")
    return _over(scope, captures), text[: len(text) - len(rest) - 1]


cdef object _index_node(object exact, object root, object route_path):
    if type(exact) is not dict or type(route_path) is not str:
        return _pure.index_node(exact, root, route_path)
    node = (<dict>exact).get(route_path)
    if node is not None:
        return node
    children = root.children
    if not children:
        return root
    node = root
    cdef str text = <str>route_path
    cdef Py_ssize_t n = len(text)
    # PERF: the segments between slashes are sliced out one by one; the piece before the first "/" is not one.
    cdef Py_ssize_t start = PyUnicode_FindChar(text, 47, 0, n, 1)
    cdef Py_ssize_t stop
    while start >= 0:
        stop = PyUnicode_FindChar(text, 47, start + 1, n, 1)
        if stop < 0:
            break
        if type(children) is not dict:
            # NOTE: any other mapping is walked by the pure twin, from the start.
            return _pure.index_node(exact, root, route_path)
        child = (<dict>children).get(text[start + 1 : stop])
        if child is None:
            break
        node = child
        children = node.children
        start = stop
    return node


def index_node(exact, root, route_path):
    """The route index's node for ``route_path``: its exact-path entry, else the deepest trie node along its
    segments that a ``/`` follows (nodes hold their child nodes by segment in ``children``)."""
    return _index_node(exact, root, route_path)


cdef bint _stale(object index) except -1:
    """``RouteIndex.stale``: a class whose routes were filed by path has had its ``matches`` replaced since."""
    cdef PyObject *found
    cdef object relied = index.relied
    if type(relied) is not tuple:
        return index.stale()
    for pair in <tuple>relied:
        if type(pair) is not tuple or PyTuple_GET_SIZE(pair) != 2 or not isinstance((<tuple>pair)[0], type):
            return index.stale()  # NOTE: any other shape is the index's own business: asked, not read.
        # PERF: the MRO's entry found by the type's attribute cache, as ``matches_entry`` finds it walking the MRO.
        found = _PyType_Lookup(<PyTypeObject*>(<tuple>pair)[0], "matches")
        if found != <PyObject*>(<tuple>pair)[1] and not (found == NULL and (<tuple>pair)[1] is None):
            return True
    return False


cdef inline bint _ends_with_slash(object text) except -1:
    if type(text) is str:
        # PERF: the str's own tail compared in C, without looking up and calling its endswith.
        return PyUnicode_Tailmatch(text, "/", 0, len(<str>text), 1)
    return bool(text.endswith("/"))


# NOTE: no generated pickling: its state would be read back unchecked (a crafted pickle could crash).
@cython.auto_pickle(False)
cdef class RouteMatcher:
    """``Route.matches`` and the router's first-match loop, over ``Match`` members handed in by routing."""

    cdef object _stock
    cdef object _full
    cdef object _partial
    cdef object _none
    cdef object _file
    cdef object _stock_routes

    def __init__(self, stock_matches, full, partial, none, file, stock_routes):
        self._stock = stock_matches
        self._full = full
        self._partial = partial
        self._none = none
        self._file = file
        self._stock_routes = stock_routes

    def listed(self, router):
        """The ``RouteList`` that ``router`` routes over: its own, or its ``_route_list()`` when its class redefines
        ``routes``."""
        return self._listed(router)

    cdef object _listed(self, object router):
        # PERF: the class's ``routes`` found by the type's attribute cache, as attribute access finds it.
        if _PyType_Lookup(Py_TYPE(router), "routes") == <PyObject*>self._stock_routes:
            return router._routes
        return router._route_list()

    def route(self, route, scope):
        """``Route.matches``: FULL, PARTIAL (the path matches, the method does not) or NONE."""
        return self._route(route, scope)

    cdef tuple _route(self, object route, object scope, object route_path=None, dict entered=None):
        """``entered``: the scope that a full match's child scope is written into, in place of a new one."""
        if scope["type"] != "http":
            return (self._none, {})
        if route_path is None:
            route_path = _get_route_path(scope)
        params = _params(route.path_regex, route.param_convertors, route_path, scope, route)
        if params is None:
            return (self._none, {})
        verdict = self._full if _route_allows(route, scope) else self._partial
        # PERF: entering the route, its child scope goes straight into the scope: no dict to build and merge.
        cdef dict child_scope = entered if entered is not None and verdict is self._full else {}
        child_scope["endpoint"] = route.endpoint
        child_scope["path_params"] = params
        return (verdict, child_scope)

    def first(self, candidates, scope):
        """The first route matching fully, else the first matching partially, else ``(None, {})``."""
        return self._first(candidates, scope)

    cdef tuple _first(self, object candidates, object scope, object route_path=None, dict entered=None):
        cdef object fallback = None
        cdef object fallback_scope = None
        for _, route in candidates:
            # PERF: the stock Route.matches runs here, recognised without binding it; an override (on the class
            # or the instance) is called.
            if _unbound_method(route, "matches") == <PyObject*>self._stock:
                if route_path is None and scope["type"] == "http":
                    # PERF: the route path of the scope, worked out once for all the candidates.
                    route_path = _get_route_path(scope)
                verdict, child_scope = self._route(route, scope, route_path, entered)
            else:
                verdict, child_scope = route.matches(scope)
            if verdict is self._full:
                return route, child_scope
            if verdict is self._partial and fallback is None:
                fallback, fallback_scope = route, child_scope
        return fallback, {} if fallback_scope is None else fallback_scope

    def routes(self, routes, scope):
        """``first`` over the candidates that the index of ``routes`` (a ``RouteList``) gives for the path."""
        return self._routes(routes, scope)

    cdef tuple _routes(self, object routes, object scope, dict entered=None):
        route_path = _get_route_path(scope)
        return self._first(self._candidates(routes, route_path), scope, route_path, entered)

    cdef object _candidates(self, object routes, object route_path):
        # PERF: the list's current index and its node for the path are read here; building an index, or the
        # first candidate list of a node, is left to the index's own methods.
        index = routes._index
        if index is None or _stale(index):
            index = routes.route_index(self._file)
        found = _index_node(index.exact, index.root, route_path).candidates
        if found is None:
            found = index.candidates(route_path)
        return found

    def toggled(self, router, scope):
        """``scope`` with the trailing slash of its path toggled, when a route of ``router`` matches it so; None when
        none does, and for the route path "/"."""
        route_path = _get_route_path(scope)
        if route_path == "/":
            return None
        routes = self._listed(router)
        path = scope["path"]
        # NOTE: the route path says which way to toggle: a path equal to the root path gains a slash.
        toggled_path = path.rstrip("/") if _ends_with_slash(route_path) else path + "/"
        # PERF: a dict scope's get without the attribute lookup.
        root = (<dict>scope).get("root_path", "") if type(scope) is dict else scope.get("root_path", "")
        route_path = _route_path_below(toggled_path, root)
        found = self._candidates(routes, route_path)
        # PERF: the index says when no route can match the toggled path, before the scope is copied.
        if not found:
            return None
        toggled = {**scope, "path": toggled_path}
        route, _ = self._first(found, toggled, route_path)
        return None if route is None else toggled


def enter_route(router, scope):
    """``Router._enter_route``: the route serving ``scope`` by ``router._matcher``, its child scope merged into
    ``scope``; None when no route matches."""
    if type(scope) is not dict:
        return _pure.enter_route(router, scope)
    cdef RouteMatcher matcher = router._matcher
    cdef dict merged = <dict>scope
    merged.setdefault("router", router)
    route, child_scope = matcher._routes(matcher._listed(router), merged, merged)
    if route is not None:
        if child_scope is not merged:
            merged.update(child_scope)
        merged["route"] = route
    return route


cdef bint _route_allows(object route, object scope) except -1:
    allowed = route.methods
    return not allowed or scope["method"] in allowed


def route_allows(route, scope):
    """``Route._allows``: whether ``scope``'s method is one ``route`` serves (any, when it lists none)."""
    return _route_allows(route, scope)


cdef object _stock_allows = route_allows


cdef inline PyObject *_call_of(object obj):
    """What calling ``obj`` runs: ``__call__`` as the interpreter finds it on the type (borrowed, or NULL)."""
    return _PyType_Lookup(Py_TYPE(obj), "__call__")


@cython.final
@cython.auto_pickle(False)
cdef class StockLayers:
    """Where the lane (``_lane.py``) may stand in for the layers of a stack: while their entry points are the
    functions marked stock (``_stock.STOCK``), found on each object's class at request time."""

    cdef object _errors
    cdef object _stepped
    cdef object _exceptions
    cdef object _router_call
    cdef object _router_app
    cdef object _route_handle
    cdef object _endpoint_app

    def __init__(self, stock, endpoint_app):
        """``endpoint_app``: the code of the apps ``request_response`` makes, whose endpoint the lane serves."""
        self._errors = stock["ServerErrorMiddleware.__call__"]
        self._stepped = stock["Stepped.__call__"]
        self._exceptions = stock["ExceptionMiddleware.__call__"]
        self._router_call = stock["Router.__call__"]
        self._router_app = stock["Router.app"]
        self._route_handle = stock["Route.handle"]
        self._endpoint_app = endpoint_app

    def serves(self, stack):
        """Whether ``stack`` is a stock ServerErrorMiddleware: the outermost layer, where the lane starts."""
        return _call_of(stack) == <PyObject*>self._errors

    def descend(self, app, scope, send):
        """From ``app`` down, the steps of the stock stepped middleware taken: the first other layer, the ``send``
        to give it, and the router it wraps when it is a stock ExceptionMiddleware around a stock router (else
        None)."""
        cdef PyObject *entry = _call_of(app)
        while entry == <PyObject*>self._stepped:
            app, send = app._step(scope, send)
            entry = _call_of(app)
        if entry == <PyObject*>self._exceptions:
            router = app.app
            if _call_of(router) != <PyObject*>self._router_call:
                return app, send, None
            routed = router.middleware_stack
            if (
                PyMethod_Check(routed)
                and PyMethod_GET_FUNCTION(routed) == <PyObject*>self._router_app
                and PyMethod_GET_SELF(routed) == <PyObject*>router
            ):
                return app, send, router
        return app, send, None

    def endpoint(self, route, scope):
        """What the lane serves ``route`` with: the ``lane_endpoint`` of its app, while its ``handle`` is the stock
        one, its app one that ``request_response`` made, and it allows the method; else None (its ``handle`` serves
        the request)."""
        if _unbound_method(route, "handle") != <PyObject*>self._route_handle:
            return None
        app = route.app
        # NOTE: a function running that code exactly: a wrapper that copied the app's attributes is called.
        if not PyFunction_Check(app) or PyFunction_GET_CODE(app) != <PyObject*>self._endpoint_app:
            return None
        # PERF: the stock _allows (this module's route_allows) runs without a call.
        if _unbound_method(route, "_allows") == <PyObject*>_stock_allows:
            allowed = _route_allows(route, scope)
        else:
            allowed = route._allows(scope)
        return app.lane_endpoint if allowed else None
