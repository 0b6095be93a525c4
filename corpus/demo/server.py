"""A real HTTP server on 127.0.0.1 serving the sample news site, so the demo exercises the real scrapers.

Example::

    with DemoServer() as server:
        print(server.url("/robots.txt"))
"""
from __future__ import annotations

import threading
from collections import Counter
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from corpus.demo.sitebuilder import Resource, Site, noon_utc, build_site, load_site


class DemoServer:
    """Serve the built sample site on a free loopback port (ETag/If-None-Match and HEAD supported).

    Use as a context manager; `base_url` is known once the server is bound, `hits` counts requests per path.
    """

    def __init__(self, site: Site | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.site = site or load_site()
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        bound_host, bound_port = self._server.server_address[:2]
        self.base_url = f"http://{bound_host}:{bound_port}"
        self.resources: dict[str, Resource] = build_site(self.site, self.base_url)
        self._thread: threading.Thread | None = None

    def url(self, path: str) -> str:
        """Absolute URL of a path on this server."""
        return self.base_url + path

    def start(self) -> DemoServer:
        """Start serving in a daemon thread."""
        self._thread = threading.Thread(target=self._server.serve_forever, name="demo-site", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "framewatch-demo/1"

            def log_message(self, *args: object) -> None:  # the demo prints its own summary
                pass

            def do_GET(self) -> None:
                server._answer(self, head=False)

            def do_HEAD(self) -> None:
                server._answer(self, head=True)

        return Handler

    def _answer(self, h: BaseHTTPRequestHandler, head: bool) -> None:
        path = h.path.split("?", 1)[0].split("#", 1)[0]
        with self._lock:
            self.hits[path] += 1
        resource = self.resources.get(path)
        if resource is None:
            body = b"not found"
            h.send_response(404)
            h.send_header("Content-Type", "text/plain; charset=utf-8")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            if not head:
                h.wfile.write(body)
            return
        if h.headers.get("If-None-Match") == resource.etag:
            h.send_response(304)
            h.send_header("ETag", resource.etag)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        h.send_response(200)
        h.send_header("Content-Type", resource.content_type)
        h.send_header("Content-Length", str(len(resource.body)))
        h.send_header("ETag", resource.etag)
        if resource.last_modified is not None:
            h.send_header("Last-Modified", format_datetime(noon_utc(resource.last_modified), usegmt=True))
        h.end_headers()
        if not head:
            h.wfile.write(resource.body)
