"""The route index: the routes of a router that can match a path, in declaration order, without trying them all.

A router files each route by its path template (see ``filing``):

- a template without parameters is an exact path, found by one dict lookup;
- otherwise the literal segments that lead it (each followed by ``/``) place it on a trie node;
- a route the index cannot reason about (no template, a template its regex does not agree with, a
  leading segment with a parameter) sits on the trie root, so it is tried for every path.

The candidates of a path are the routes of its exact-path entry plus those of every trie node along its
leading segments, merged back into declaration order. The index only leaves out routes that cannot
match; which candidate wins stays the router's business.
"""

from __future__ import annotations

import functools
import re
import weakref
from collections.abc import Callable, Iterable
from re import Pattern
from typing import TYPE_CHECKING, Any, Generic, SupportsIndex, TypeVar

from starlette_c._backend import routing as _impl

if TYPE_CHECKING:
    from typing import Self

    from starlette_c.convertors import Convertor

_T = TypeVar("_T")

# The candidates of a path: (declaration position, route), ascending by position.
Candidates = list[tuple[int, _T]]
# Where the index files a route: its exact path (str), its leading literal segments (tuple), or the root (None).
Filing = str | tuple[str, ...] | None


_DEFAULT_FLAGS = int(re.compile("").flags)


@functools.lru_cache(maxsize=256)
def _compiles_alone(regex: str) -> bool:
    """Whether a convertor's regex is well-formed by itself, so that it cannot reach out of its group."""
    try:
        re.compile(regex)
    except re.error:
        return False
    return True


def _escaped(text: str) -> str:
    """``re.escape(text)``."""
    # PERF: re.escape translates char by char; letters, digits and "/" (most paths) need no escaping.
    return text if text.replace("/", "").isalnum() else re.escape(text)


def filing(template: str, pattern: Pattern[str], convertors: Iterable[Convertor[Any]]) -> Filing:
    """Where to file a route whose ``pattern`` was compiled from the path ``template``.

    ``pattern`` is checked against ``template`` (cheaply: the literal text the template promises must
    open the pattern), so a route whose regex was replaced after construction is tried for every path.
    """
    if type(pattern) is not re.Pattern or pattern.flags != _DEFAULT_FLAGS or template[:1] != "/":
        return None
    segments = template.split("/")
    param_search = _impl.PARAM_REGEX.search
    count = 0
    for segment in segments[1:-1]:
        # PERF: the regex only runs on segments holding a brace.
        if "{" in segment and param_search(segment):
            break
        count += 1
    else:
        last = segments[-1]
        if "{" not in last or param_search(last) is None:
            return template if pattern.pattern == "^" + _escaped(template) + "$" else None
    if not count:
        return None
    literal_text = "/".join(segments[: count + 1]) + "/"
    if not pattern.pattern.startswith("^" + _escaped(literal_text)):
        return None
    for convertor in convertors:
        if not _compiles_alone(convertor.regex):
            return None
    return tuple(segments[1 : count + 1])


_NO_CHILDREN: dict[str, Any] = {}
# NOTE: looked up with no exact paths, a path finds the deepest trie node along its segments.
_NO_EXACT: dict[str, Any] = {}


class _Node(Generic[_T]):
    """A trie node (or an exact-path entry): its own routes, and, once asked, its whole candidate list."""

    __slots__ = ("candidates", "children", "own", "parent")

    def __init__(self, parent: _Node[_T] | None) -> None:
        self.parent = parent
        # PERF: most nodes are leaves: they share one empty dict until given a child.
        self.children: dict[str, _Node[_T]] = _NO_CHILDREN
        self.own: Candidates[_T] = []
        self.candidates: Candidates[_T] | None = None


def _merged(first: Candidates[_T], second: Candidates[_T]) -> Candidates[_T]:
    if not first:
        return second
    if not second:
        return first
    # NOTE: positions are unique, so the sort never compares two routes.
    return sorted(first + second)


def vouched(kind: type) -> bool:
    """Whether the route class ``kind`` opts its ``matches`` into the index (see ``Route``).

    ``indexed_by_path`` counts when it is set by the class that defines the ``matches`` that ``kind`` has, or by a
    subclass of that class: a later override of ``matches`` is not vouched for by an opt-in made above it.
    """
    owner = next(klass for klass in kind.__mro__ if "indexed_by_path" in vars(klass) or "matches" in vars(klass))
    return bool(vars(owner).get("indexed_by_path", False))


def note_edit() -> None:
    """Tell every index that a route it may have filed changed its path or regex: each rebuilds on next use."""
    for routes in list(_INDEXED.values()):
        routes._index = None
    _INDEXED.clear()


def matches_entry(kind: type) -> Any:
    """The ``matches`` the routes of class ``kind`` run, as a class along its MRO holds it (None without one)."""
    for klass in kind.__mro__:
        if "matches" in vars(klass):
            return vars(klass)["matches"]
    return None


class RouteIndex(Generic[_T]):
    """The candidates of each path for one snapshot of a routes list.

    ``relied``: the route classes whose routes were filed by path, each with the ``matches`` it had then; a
    ``matches`` patched onto one of them later makes the index stale (see ``stale``).
    """

    __slots__ = ("exact", "relied", "root")

    def __init__(self, routes: Iterable[_T], file: Callable[[_T], Filing]) -> None:
        self.root: _Node[_T] = _Node(None)
        self.exact: dict[str, _Node[_T]] = {}
        kinds: dict[type, None] = {}
        for position, route in enumerate(routes):
            where = file(route)
            if where is None:
                node = self.root
            elif isinstance(where, str):
                kinds[type(route)] = None
                node = self.exact.get(where) or _Node(None)
                self.exact[where] = node
            else:
                kinds[type(route)] = None
                node = self.root
                for segment in where:
                    child = node.children.get(segment)
                    if child is None:
                        if node.children is _NO_CHILDREN:
                            node.children = {}
                        child = node.children[segment] = _Node(node)
                    node = child
            node.own.append((position, route))
        for path, entry in self.exact.items():
            entry.parent = _impl.index_node(_NO_EXACT, self.root, path)
        self.relied = tuple((kind, matches_entry(kind)) for kind in kinds)

    def stale(self) -> bool:
        """Whether a class whose routes were filed by path has had its ``matches`` replaced since."""
        return any(matches_entry(kind) is not entry for kind, entry in self.relied)

    def _node(self, route_path: str) -> _Node[_T]:
        node: _Node[_T] = _impl.index_node(self.exact, self.root, route_path)
        return node

    def candidates(self, route_path: str) -> Candidates[_T]:
        """Every route that can match ``route_path``, in declaration order (a list the caller must not change)."""
        node = self._node(route_path)
        found = node.candidates
        return _complete(node) if found is None else found

    def candidates_of_either(self, route_path: str, other: str) -> Candidates[_T]:
        """Every route that can match ``route_path`` or ``other``, in declaration order (not to be changed either)."""
        node, other_node = self._node(route_path), self._node(other)
        # PERF: a path and the same path with its trailing slash toggled mostly share a node, or one node's
        # candidates hold the other's (an ancestor's are inherited): no merge then.
        if _reaches(node, other_node):
            return self.candidates(route_path)
        if _reaches(other_node, node):
            return self.candidates(other)
        united = dict(self.candidates(route_path))
        united.update(self.candidates(other))
        return sorted(united.items())


def _reaches(node: _Node[_T] | None, ancestor: _Node[_T]) -> bool:
    """Whether ``ancestor`` is ``node`` or one of its parents (so its candidates are among ``node``'s)."""
    while node is not None:
        if node is ancestor:
            return True
        node = node.parent
    return False


def _complete(node: _Node[_T]) -> Candidates[_T]:
    """Fill in the candidate lists of ``node`` and of its ancestors that lack one (iteratively: tries can be deep)."""
    pending = []
    ancestor: _Node[_T] | None = node
    while ancestor is not None and ancestor.candidates is None:
        pending.append(ancestor)
        ancestor = ancestor.parent
    inherited: Candidates[_T] = [] if ancestor is None or ancestor.candidates is None else ancestor.candidates
    for pending_node in reversed(pending):
        inherited = pending_node.candidates = _merged(inherited, pending_node.own)
    return inherited


# The route lists holding an index (by id: lists are unhashable), so that an edit to a filed route can drop every
# index at once.
_INDEXED: weakref.WeakValueDictionary[int, RouteList[Any]] = weakref.WeakValueDictionary()


class RouteList(list[_T]):
    """A list that forgets its route index whenever it changes, so that the next lookup rebuilds it.

    ``router.routes`` is one: code appends, inserts, extends and assigns routes after a router was built.
    """

    __slots__ = ("__weakref__", "_index")

    def __init__(self, iterable: Iterable[_T] = ()) -> None:
        self._index: RouteIndex[_T] | None = None
        super().__init__(iterable)

    def route_index(self, file: Callable[[_T], Filing]) -> RouteIndex[_T]:
        """The index of the current contents, built on first use after a change to the list, to a filed route or to
        the ``matches`` of a filed route's class."""
        index = self._index
        if index is None or index.stale():
            index = self._index = RouteIndex(self, file)
            _INDEXED[id(self)] = self
        return index

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        # NOTE: copies and pickles carry the routes, never a built index.
        return (type(self), (list(self),))

    def append(self, item: _T, /) -> None:
        self._index = None
        super().append(item)

    def extend(self, items: Iterable[_T], /) -> None:
        self._index = None
        super().extend(items)

    def insert(self, position: SupportsIndex, item: _T, /) -> None:
        self._index = None
        super().insert(position, item)

    def remove(self, item: _T, /) -> None:
        self._index = None
        super().remove(item)

    def pop(self, position: SupportsIndex = -1, /) -> _T:
        self._index = None
        return super().pop(position)

    def clear(self) -> None:
        self._index = None
        super().clear()

    def sort(self, *args: Any, **kwargs: Any) -> None:
        self._index = None
        super().sort(*args, **kwargs)

    def reverse(self) -> None:
        self._index = None
        super().reverse()

    def __setitem__(self, key: Any, value: Any) -> None:
        self._index = None
        super().__setitem__(key, value)

    def __delitem__(self, key: SupportsIndex | slice) -> None:
        self._index = None
        super().__delitem__(key)

    def __iadd__(self, items: Iterable[_T]) -> Self:  # type: ignore[override,misc]
        self._index = None
        return super().__iadd__(items)

    def __imul__(self, times: SupportsIndex) -> Self:
        self._index = None
        return super().__imul__(times)
