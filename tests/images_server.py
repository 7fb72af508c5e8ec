"""An image host on 127.0.0.1 for the image-check tests and benchmark (standard library only).

Every answer the checker must tell apart has a path (see ``ROUTES`` in :class:`ImageHandler`);
``/img/<anything>.png`` is a small PNG, for bulk runs. The server records every request
(method, path, Range header) so tests can assert what was asked, and honours
``Range: bytes=a-b`` with 206 answers like a real file server.

Run as a script (``python tests/images_server.py``) it serves until killed and prints its
port on the first line: the benchmark runs it in a process of its own.
"""

from __future__ import annotations

import contextlib
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + bytes(200)
    + (b"\xff\xd9")
)
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(40)
HTML = b"<!doctype html><html><body><form>Please log in</form></body></html>"
OVERSIZE = 25_000_000  # bytes the /huge image claims: over Sharetribe's 20 MB
STALL_SECONDS = 3.0

_RANGE = re.compile(r"bytes=(\d+)-(\d*)\Z")


class ImageServer(ThreadingHTTPServer):
    """The server; ``requests`` is the log of ``(method, path, range header)``."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), ImageHandler)
        self.requests: list[tuple[str, str, str | None]] = []
        self.lock = threading.Lock()
        self.busy_answered: set[str] = set()
        self.record = True
        self._thread: threading.Thread | None = None

    @property
    def base(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def url(self, path: str) -> str:
        """The full URL of ``path``."""
        return self.base + path

    def paths(self, method: str | None = None) -> list[str]:
        """Paths requested so far (of one method, when given), in arrival order."""
        with self.lock:
            return [path for asked, path, _ in self.requests if method in (None, asked)]

    def start(self) -> ImageServer:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.shutdown()
        self.server_close()


class ImageHandler(BaseHTTPRequestHandler):
    """Routes by path; HEAD gets the headers GET would, without the body."""

    server: ImageServer
    protocol_version = "HTTP/1.1"  # keep-alive, as real image hosts do

    def log_message(self, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:
        self._route("HEAD")

    def do_GET(self) -> None:
        self._route("GET")

    def _route(self, method: str) -> None:
        server = self.server
        path = self.path
        if path.startswith("http://"):  # asked as a proxy: route by the path alone
            path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
        if server.record:
            with server.lock:
                server.requests.append((method, path, self.headers.get("Range")))
        if path.startswith("/img/"):
            return self._body(method, "image/png", PNG)
        if path == "/photo.png":
            return self._body(method, "image/png", PNG)
        if path == "/redirect-1":
            return self._redirect("/redirect-2")
        if path == "/redirect-2":
            return self._redirect(server.url("/photo.jpg"))  # absolute, like a CDN
        if path == "/photo.jpg":
            return self._body(method, "image/jpeg", JPEG)
        if path == "/missing.jpg":
            return self._body(method, "text/html", b"<h1>Not Found</h1>", status=404)
        if path == "/private.jpg":
            return self._body(method, "text/html", b"<h1>Forbidden</h1>", status=403)
        if path == "/login":
            return self._body(method, "text/html; charset=utf-8", HTML)
        if path.startswith("/busy"):
            with server.lock:
                first = path not in server.busy_answered
                server.busy_answered.add(path)
            if first:
                return self._body(method, "text/plain", b"slow down", 429, {"Retry-After": "1"})
            return self._body(method, "image/png", PNG)
        if path == "/stall.jpg":
            time.sleep(STALL_SECONDS)
            return self._body(method, "image/jpeg", JPEG)
        if path == "/loop-a":
            return self._redirect("/loop-b")
        if path == "/loop-b":
            return self._redirect("/loop-a")
        if path == "/huge.tif":
            if method == "HEAD":
                return self._headers(200, "image/jpeg", OVERSIZE)
            return self._body(method, "image/jpeg", JPEG)
        if path == "/octet":
            return self._body(method, "application/octet-stream", JPEG)
        if path == "/octet-text":
            return self._body(method, "application/octet-stream", b"just some text, no image")
        if path == "/no-head.png":
            if method == "HEAD":
                return self._body(method, "text/plain", b"", status=405, extra={"Allow": "GET"})
            return self._body(method, "image/png", PNG)
        if path == "/photo.webp":
            return self._body(method, "image/webp", WEBP)
        if path == "/to-internal":
            return self._redirect("http://internal.example.com/photo.jpg")
        if path == "/down":
            return self._body(method, "text/plain", b"oops", status=503)
        return self._body(method, "text/plain", b"no such route", status=404)

    def _headers(
        self, status: int, content_type: str, length: int, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()

    def _body(
        self,
        method: str,
        content_type: str,
        body: bytes,
        status: int = 200,
        extra: dict[str, str] | None = None,
    ) -> None:
        wanted = self.headers.get("Range")
        match = _RANGE.match(wanted) if wanted and status == 200 and method == "GET" else None
        if match is not None and body:
            first = int(match[1])
            last = min(int(match[2]) if match[2] else len(body) - 1, len(body) - 1)
            part = body[first : last + 1]
            extra = {**(extra or {}), "Content-Range": f"bytes {first}-{last}/{len(body)}"}
            self._headers(206, content_type, len(part), extra)
            self.wfile.write(part)
            return
        self._headers(status, content_type, len(body), extra)
        if method == "GET":
            self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


def main() -> None:
    """Serve until killed; print the port first (``--no-log``: keep no request log)."""
    server = ImageServer()
    server.record = "--no-log" not in sys.argv[1:]
    print(server.server_address[1], flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
