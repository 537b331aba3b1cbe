"""One app module per framework, each doing the same work for every scenario of bench/scenarios.py.

Every module exposes the apps as attributes, built on first access (a 10,000-route table is not built
unless asked for): ``app`` (all single-route scenarios), ``middleware_app`` (plaintext behind CORS,
GZip and sessions) and ``routes_<N>`` (N ``/r{i}/items/{item_id}`` routes, the target last).
"""
