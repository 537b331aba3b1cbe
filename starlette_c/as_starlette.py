"""``import starlette_c.as_starlette`` at the top of an app's entry module runs it on starlette_c.

From then on ``import starlette`` and every ``from starlette.X import Y`` (FastAPI's included) give the
starlette_c modules themselves, even when the real ``starlette`` distribution is installed. It must run
before anything imports starlette. ``STARLETTE_C_AS_STARLETTE=1`` does the same with no code change
(through the ``starlette_c_as_starlette.pth`` file the package installs), and so does
``python -m starlette_c run module:app``.
"""

from starlette_c._alias import disable, enable, is_enabled

__all__ = ["disable", "enable", "is_enabled"]

enable()
