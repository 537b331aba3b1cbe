"""Realistic apps of Starlette libraries (``apps/``), run on the real starlette and on starlette_c.

``scenarios/<app>.py`` drives its app with the TestClient and records a JSON transcript; ``runner.py`` runs
every scenario under both anyio backends in one process per target; ``test_<app>.py`` asserts the two
targets' transcripts are equal and checks the expected values directly.
"""
