"""``ServerErrorMiddleware``: the outermost layer, answering 500 to errors that nothing else handled."""

from __future__ import annotations

import html
import inspect
import traceback

from starlette_c._exception_handler import _call_handler, _start_tracking, _StartTrackingSend
from starlette_c._stock import stock
from starlette_c.concurrency import run_in_threadpool
from starlette_c.requests import Request
from starlette_c.responses import HTMLResponse, PlainTextResponse, Response
from starlette_c.types import ASGIApp, ExceptionHandler, Receive, Scope, Send

STYLES = """
body {
    margin: 0;
    padding: 24px 32px;
    font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
    color: #1f2328;
    background: #f6f8fa;
}
h1 {
    margin: 0 0 4px;
    font-size: 28px;
    color: #b42318;
}
h2 {
    margin: 0 0 20px;
    font-size: 18px;
    font-weight: 500;
    word-break: break-word;
}
.traceback {
    border: 1px solid #d0d7de;
    border-radius: 6px;
    background: #ffffff;
    overflow: hidden;
}
.traceback-heading {
    margin: 0;
    padding: 10px 16px;
    font-size: 16px;
    color: #ffffff;
    background: #2f5f8a;
}
.frame {
    border-top: 1px solid #d0d7de;
}
.frame-header {
    margin: 0;
    padding: 8px 16px;
    font-size: 14px;
    background: #eef2f6;
}
.frame-file {
    font-family: ui-monospace, Menlo, Consolas, monospace;
}
.frame-toggle {
    float: right;
    width: 20px;
    text-align: center;
    cursor: pointer;
    user-select: none;
}
.frame-source {
    margin: 0;
    padding: 6px 0;
    font-family: ui-monospace, Menlo, Consolas, monospace;
    font-size: 13px;
    white-space: pre;
    overflow-x: auto;
}
.frame-source.collapsed {
    display: none;
}
.source-line {
    padding: 0 16px;
}
.source-line.current {
    background: #fff4cc;
    font-weight: 600;
}
.lineno {
    display: inline-block;
    min-width: 48px;
    color: #6e7781;
}
"""

JS = """
<script type="text/javascript">
function toggleFrame(button) {
    const source = document.getElementById(button.dataset.target);
    const collapsed = source.classList.toggle("collapsed");
    button.textContent = collapsed ? "+" : "\\u2212";
}
</script>
"""

TEMPLATE = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>Starlette Debugger</title>
<style type="text/css">{styles}</style>
</head>
<body>
<h1>500 Server Error</h1>
<h2>{error}</h2>
<div class="traceback">
<p class="traceback-heading">Traceback</p>
{frames}
</div>
{js}
</body>
</html>
"""

FRAME_TEMPLATE = """<div class="frame">
<p class="frame-header">File <span class="frame-file">{filename}</span>, line <i>{lineno}</i>, in <b>{function}</b>
<span class="frame-toggle" data-target="{frame_id}" onclick="toggleFrame(this)">{toggle}</span></p>
<div id="{frame_id}" class="frame-source{collapsed}">{lines}</div>
</div>
"""

LINE = """<div class="source-line"><span class="lineno">{lineno}.</span>{line}</div>"""

CENTER_LINE = """<div class="source-line current"><span class="lineno">{lineno}.</span>{line}</div>"""


class ServerErrorMiddleware:
    """Answer unhandled errors with a 500 (or a traceback page when ``debug``), then re-raise them.

    The error always reaches the server afterwards, so that it gets logged; if the app had already
    started its response, nothing more is sent.
    """

    def __init__(self, app: ASGIApp, handler: ExceptionHandler | None = None, debug: bool = False) -> None:
        self.app, self.handler, self.debug = app, handler, debug

    @stock
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        sender = _start_tracking(send)
        try:
            await self.app(scope, receive, sender)
        except Exception as exc:
            await self._answer(exc, scope, receive, send, sender)
            raise

    async def _answer(
        self, exc: Exception, scope: Scope, receive: Receive, send: Send, sender: _StartTrackingSend
    ) -> None:
        """Send the error response for ``exc``, unless the app had started its own (``sender`` tells)."""
        request = Request(scope)
        response: Response
        if self.debug:
            # NOTE: rendering reads source files: done in a worker thread, off the event loop (1.7).
            response = await run_in_threadpool(self.debug_response, request, exc)
        elif self.handler is None:
            response = self.error_response(request, exc)
        else:
            response = await _call_handler(self.handler, request, exc)
        if not sender.started:
            await response(scope, receive, send)

    def format_line(self, index: int, line: str, frame_lineno: int, frame_index: int) -> str:
        template = CENTER_LINE if index == frame_index else LINE
        return template.format(lineno=frame_lineno - frame_index + index, line=html.escape(line.rstrip("\r\n")))

    def generate_frame_html(self, frame: inspect.FrameInfo, is_collapsed: bool) -> str:
        lines = ""
        if frame.code_context is not None and frame.index is not None:
            lines = "".join(
                self.format_line(index, line, frame.lineno, frame.index)
                for index, line in enumerate(frame.code_context)
            )
        return FRAME_TEMPLATE.format(
            filename=html.escape(frame.filename),
            lineno=frame.lineno,
            function=html.escape(frame.function),
            # NOTE: keyed by the FrameInfo, one per traceback entry and all alive while the page renders: recursive
            # calls, and a frame listed twice (an exception re-raised where it was caught), get distinct ids.
            frame_id=f"frame-{id(frame)}",
            toggle="+" if is_collapsed else "&#8722;",
            collapsed=" collapsed" if is_collapsed else "",
            lines=lines,
        )

    def generate_html(self, exc: Exception, limit: int = 7) -> str:
        frames = inspect.getinnerframes(exc.__traceback__, limit) if exc.__traceback__ is not None else []
        # The innermost frame comes first and is the only one shown expanded.
        frames_html = "".join(
            self.generate_frame_html(frame, is_collapsed=position > 0)
            for position, frame in enumerate(reversed(frames))
        )
        error = f"{html.escape(type(exc).__name__)}: {html.escape(str(exc))}"
        return TEMPLATE.format(styles=STYLES, error=error, frames=frames_html, js=JS)

    def generate_plain_text(self, exc: Exception) -> str:
        return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))

    def debug_response(self, request: Request, exc: Exception) -> Response:
        accept = request.headers.get("accept", "")
        if "text/html" in accept:
            return HTMLResponse(self.generate_html(exc), status_code=500)
        return PlainTextResponse(self.generate_plain_text(exc), status_code=500)

    def error_response(self, request: Request, exc: Exception) -> Response:
        return PlainTextResponse("Internal Server Error", status_code=500)
