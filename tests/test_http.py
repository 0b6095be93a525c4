"""The polite Fetcher against a real local server, including servers that misbehave on purpose."""
from __future__ import annotations

import functools
import gzip
import random
import socket
import struct
import threading
import time
import zlib
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler

import pytest
import requests

from scrapers.errors import ScrapeError
from scrapers.http import Fetcher, FetchResult, default_user_agent, parse_retry_after
from scrapers.netguard import AddressPolicy, AddressRefused, GuardedAdapter, classify


class FakeTime:
    """A clock that only moves when the fetcher asks to sleep; records every requested sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_fetcher(fake: FakeTime | None = None, **kwargs: object) -> Fetcher:
    """A fetcher for the loopback test server, with no delays and a fake clock unless told otherwise."""
    fake = fake or FakeTime()
    options: dict[str, object] = dict(contact="tests@example.org", min_delay=0.0, allow_loopback=True,
                                      clock=fake.clock, sleep=fake.sleep, rng=random.Random(7))
    options.update(kwargs)
    return Fetcher(**options)  # type: ignore[arg-type]


def send_head(h: BaseHTTPRequestHandler, status: int = 200, headers: dict[str, str] | None = None) -> None:
    h.send_response(status)
    for key, value in (headers or {}).items():
        h.send_header(key, value)
    h.end_headers()


def hard_reset(h: BaseHTTPRequestHandler) -> None:
    """Close the client connection with a TCP RST (SO_LINGER 0) instead of a FIN."""
    h.wfile.flush()
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()
    h.close_connection = True


def quietly(write: callable) -> callable:  # type: ignore[valid-type]
    """Wrap a handler for a client that hangs up mid-response: close afterwards, print no traceback."""
    def handler(h: BaseHTTPRequestHandler) -> None:
        h.close_connection = True
        try:
            write(h)
        except OSError:
            pass
    return handler


def fixed(body: bytes, headers: dict[str, str]) -> callable:  # type: ignore[valid-type]
    """A handler serving `body` once and closing, for responses the client abandons unread."""
    def write(h: BaseHTTPRequestHandler) -> None:
        send_head(h, 200, {"Content-Type": "text/html", "Content-Length": str(len(body)), **headers})
        h.wfile.write(body)
    return quietly(write)


@functools.lru_cache(maxsize=None)
def gzip_bomb() -> bytes:
    """60 MB of zeros gzipped to about 60 KB: more than the default 50 MB decompression limit."""
    return gzip.compress(b"\0" * 60_000_000, 6)


# -- identity, address guard ----------------------------------------------------------------------

def test_user_agent_names_project_version_and_contact(web):
    web.route("/page", body="<html><body><p>hello</p></body></html>")
    result = make_fetcher().get(web.url("/page"))
    _, _, sent = web.requests[-1]
    assert sent["User-Agent"].startswith("framewatch/")
    assert "(+tests@example.org)" in sent["User-Agent"]
    assert sent["From"] == "tests@example.org"
    assert result.request_headers["User-Agent"] == sent["User-Agent"]
    assert default_user_agent("ops@example.net").endswith("(+ops@example.net)")
    make_fetcher().get(web.url("/page"), accept="application/rss+xml")
    assert web.requests[-1][2]["Accept"] == "application/rss+xml"


def test_a_callers_session_is_used_and_our_identity_wins(web):
    web.route("/page", body="<html><body><p>hello</p></body></html>")
    session = requests.Session()
    session.headers.update({"X-Study": "dcs-framing", "User-Agent": "python-requests/0"})
    make_fetcher(session=session, obey_robots=False).get(web.url("/page"))
    sent = web.requests[-1][2]
    assert sent["X-Study"] == "dcs-framing" and sent["User-Agent"].startswith("framewatch/")


def test_loopback_is_refused_by_default_without_any_request(web):
    web.route("/page", body="<html>hi</html>")
    with pytest.raises(ScrapeError) as caught:
        Fetcher(min_delay=0).get(web.url("/page"))
    assert caught.value.reason == "private_address"
    assert caught.value.url == web.url("/page")
    assert "private_address" in str(caught.value) and web.url("/page") in str(caught.value)
    assert web.requests == []  # not even robots.txt was asked for


@pytest.mark.parametrize("target", ["http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/admin",
                                    "http://[::ffff:192.168.0.1]/", "http://0.0.0.0/"])
def test_redirect_to_a_private_address_is_refused(web, target):
    web.route("/go", status=302, headers={"Location": target})
    with pytest.raises(ScrapeError) as caught:
        make_fetcher().get(web.url("/go"))
    assert caught.value.reason == "private_address"
    assert web.hits("/go") == 1


def test_address_classes():
    assert classify("127.0.0.1") == "loopback"
    assert classify("::1") == "loopback"
    assert classify("10.0.0.8") == "private"
    assert classify("fd00::1") == "private"
    assert classify("169.254.169.254") == "link_local"
    assert classify("224.0.0.1") == "multicast"
    assert classify("93.184.216.34") is None
    assert AddressPolicy(allow_loopback=True).permits("10.0.0.8") == "private"
    assert AddressPolicy(allow_private=True).permits("10.0.0.8") is None
    assert AddressPolicy(allow_private=True).permits("224.0.0.1") == "multicast"


@pytest.mark.parametrize("address, category", [
    ("2002:a9fe:a9fe::", "link_local"),             # 6to4 of the cloud metadata address
    ("2002:0a00:0001::1", "private"),               # 6to4 of 10.0.0.1
    ("2002:7f00:0001::", "loopback"),               # 6to4 of 127.0.0.1
    ("64:ff9b::a9fe:a9fe", "link_local"),           # NAT64 of 169.254.169.254
    ("64:ff9b:1::c0a8:0101", "private"),            # local-use NAT64 of 192.168.1.1
    ("::ffff:10.0.0.1", "private"),                 # IPv4-mapped
    ("::10.0.0.1", "private"),                      # IPv4-compatible
    ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "private"),  # Teredo whose client is 10.0.0.1
])
def test_ipv6_addresses_embedding_private_ipv4_are_refused(address: str, category: str) -> None:
    assert classify(address) == category
    assert AddressPolicy().permits(address) == category


def test_6to4_of_a_public_address_stays_public() -> None:
    assert classify("2002:5db8:d822::1") is None      # 6to4 of 93.184.216.34


def test_guarded_adapter_refuses_the_connected_peer(web):
    """The peer check works even when the pre-request name check is bypassed (DNS rebinding)."""
    web.route("/page", body="<html>hi</html>")
    session = requests.Session()
    session.mount("http://", GuardedAdapter(AddressPolicy()))
    with pytest.raises(AddressRefused) as caught:
        session.get(web.url("/page"), timeout=5)
    assert caught.value.category == "loopback"
    session.mount("http://", GuardedAdapter(AddressPolicy(allow_loopback=True)))
    assert session.get(web.url("/page"), timeout=5).status_code == 200


# -- per-host delay -------------------------------------------------------------------------------

def test_per_host_delay_is_requested_between_requests(web):
    web.route("/a", body="<html>a</html>")
    fake = FakeTime()
    fetcher = make_fetcher(fake, min_delay=2.5, obey_robots=False)
    starts = []
    for _ in range(3):
        fetcher.get(web.url("/a"))
        starts.append(fake.now)
    assert fake.sleeps == [2.5, 2.5]
    assert [b - a for a, b in zip(starts, starts[1:])] == [2.5, 2.5]


def test_per_host_delay_spaces_real_requests(web):
    seen: list[float] = []

    def stamp(h: BaseHTTPRequestHandler) -> None:
        seen.append(time.monotonic())
        send_head(h, 200, {"Content-Type": "text/plain", "Content-Length": "2"})
        h.wfile.write(b"ok")

    web.route("/t", handler=stamp)
    fetcher = Fetcher(min_delay=0.15, allow_loopback=True, obey_robots=False)
    for _ in range(3):
        fetcher.get(web.url("/t"))
    gaps = [b - a for a, b in zip(seen, seen[1:])]
    assert len(gaps) == 2 and min(gaps) >= 0.15  # counted from the end of the previous response


# -- retries --------------------------------------------------------------------------------------

def test_retry_after_seconds_is_honoured_then_success(web):
    calls = {"n": 0}

    def limited(h: BaseHTTPRequestHandler) -> None:
        calls["n"] += 1
        if calls["n"] <= 2:
            send_head(h, 429, {"Retry-After": "7", "Content-Length": "0"})
            return
        send_head(h, 200, {"Content-Type": "text/html", "Content-Length": "13"})
        h.wfile.write(b"<html>ok</html>"[:13])

    web.route("/rl", handler=limited)
    fake = FakeTime()
    result = make_fetcher(fake, obey_robots=False).get(web.url("/rl"))
    assert result.status == 200
    assert fake.sleeps == [7.0, 7.0]
    assert web.hits("/rl") == 3


def test_retry_after_http_date_is_capped_by_max_backoff(web):
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=300), usegmt=True)
    web.route("/busy", status=503, body="busy", headers={"Retry-After": when})
    fake = FakeTime()
    with pytest.raises(ScrapeError) as caught:
        make_fetcher(fake, obey_robots=False, max_retries=2, max_backoff=12).get(web.url("/busy"))
    assert caught.value.reason == "http_503" and caught.value.status == 503
    assert fake.sleeps == [12, 12]
    assert web.hits("/busy") == 3


def test_parse_retry_after_forms():
    now = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
    assert parse_retry_after("120", now) == 120
    assert parse_retry_after("Wed, 01 May 2024 12:00:30 GMT", now) == 30
    assert parse_retry_after("Wed, 01 May 2024 11:00:00 GMT", now) == 0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_429_after_all_retries_is_named_and_shown_to_on_response(web):
    web.route("/rl", status=429, body="slow down", content_type="text/plain", headers={"Retry-After": "3"})
    fake = FakeTime()
    seen: list[FetchResult] = []
    with pytest.raises(ScrapeError) as caught:
        make_fetcher(fake, obey_robots=False, max_retries=3, on_response=seen.append).get(web.url("/rl"))
    assert caught.value.reason == "http_429"
    assert web.hits("/rl") == 4
    assert fake.sleeps == [3.0, 3.0, 3.0]
    assert len(seen) == 1 and seen[0].status == 429 and seen[0].content == b"slow down"
    assert ("Retry-After", "3") in seen[0].raw_headers


def test_server_errors_back_off_exponentially_with_jitter(web):
    web.route("/boom", status=500, body="oops")
    fake = FakeTime()
    with pytest.raises(ScrapeError) as caught:
        make_fetcher(fake, obey_robots=False, max_retries=4, backoff=1.0, max_backoff=5.0).get(web.url("/boom"))
    assert caught.value.reason == "http_500"
    assert len(fake.sleeps) == 4
    for wait, base in zip(fake.sleeps, [1, 2, 4, 5]):  # 8 is capped to max_backoff=5
        assert base / 2 <= wait <= base
    assert len(set(fake.sleeps)) == 4  # jittered, not a fixed schedule


def test_not_found_is_not_retried(web):
    seen: list[FetchResult] = []
    fake = FakeTime()
    with pytest.raises(ScrapeError) as caught:
        make_fetcher(fake, on_response=seen.append).get(web.url("/missing"))
    assert caught.value.reason == "http_404" and caught.value.status == 404
    assert web.hits("/missing") == 1 and fake.sleeps == []
    assert [r.final_url for r in seen] == [web.url("/robots.txt"), web.url("/missing")]


def test_connection_reset_is_retried_then_named(web):
    def reset(h: BaseHTTPRequestHandler) -> None:
        send_head(h, 200, {"Content-Type": "text/html", "Content-Length": "1000"})
        h.wfile.write(b"<html>" + b"x" * 100)
        hard_reset(h)

    web.route("/reset", handler=reset)
    fake = FakeTime()
    with pytest.raises(ScrapeError) as caught:
        make_fetcher(fake, obey_robots=False, max_retries=2).get(web.url("/reset"))
    assert caught.value.reason == "connection_reset"
    assert web.hits("/reset") == 3 and len(fake.sleeps) == 2


def test_reset_before_any_response_then_success(web):
    calls = {"n": 0}

    def flaky(h: BaseHTTPRequestHandler) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            hard_reset(h)
            return
        send_head(h, 200, {"Content-Type": "text/html", "Content-Length": "15"})
        h.wfile.write(b"<html>ok</html>")

    web.route("/flaky", handler=flaky)
    result = make_fetcher(obey_robots=False).get(web.url("/flaky"))
    assert result.text == "<html>ok</html>"
    assert web.hits("/flaky") == 2


def test_stalled_body_is_a_timeout_after_retries(web):
    stop = threading.Event()

    def stall(h: BaseHTTPRequestHandler) -> None:
        send_head(h, 200, {"Content-Type": "text/html", "Content-Length": "100"})
        h.wfile.write(b"<html>")
        h.wfile.flush()
        stop.wait(2)
        h.close_connection = True

    web.route("/stall", handler=quietly(stall))
    with pytest.raises(ScrapeError) as caught:
        make_fetcher(obey_robots=False, max_retries=1, timeout=(2, 0.2)).get(web.url("/stall"))
    stop.set()
    assert caught.value.reason == "timeout"
    assert web.hits("/stall") == 2


# -- conditional requests -------------------------------------------------------------------------

def test_etag_and_last_modified_give_not_modified(web):
    def conditional(h: BaseHTTPRequestHandler) -> None:
        if h.headers.get("If-None-Match") == '"v1"' or h.headers.get("If-Modified-Since"):
            send_head(h, 304, {"ETag": '"v1"'})
            return
        body = b"<html><body>first version</body></html>"
        send_head(h, 200, {"Content-Type": "text/html", "Content-Length": str(len(body)), "ETag": '"v1"',
                           "Last-Modified": "Mon, 01 Apr 2024 10:00:00 GMT"})
        h.wfile.write(body)

    web.route("/doc", handler=conditional)
    fetcher = make_fetcher()
    first = fetcher.get(web.url("/doc"))
    assert not first.not_modified and first.etag == '"v1"'
    again = fetcher.get(web.url("/doc"), etag=first.etag)
    assert again.not_modified and again.status == 304 and again.content == b""
    assert web.requests[-1][2]["If-None-Match"] == '"v1"'
    dated = fetcher.get(web.url("/doc"), last_modified=first.last_modified)
    assert dated.not_modified
    assert web.requests[-1][2]["If-Modified-Since"] == "Mon, 01 Apr 2024 10:00:00 GMT"
    assert "If-None-Match" not in web.requests[-1][2]


# -- redirects ------------------------------------------------------------------------------------

def test_redirects_are_followed_and_listed(web):
    web.route("/old", status=301, headers={"Location": "/middle"})
    web.route("/middle", status=302, headers={"Location": web.url("/new")})
    web.route("/new", body="<html><body>moved here</body></html>")
    result = make_fetcher().get(web.url("/old"))
    assert result.url == web.url("/old") and result.final_url == web.url("/new")
    assert result.redirects == [web.url("/old"), web.url("/middle")]
    assert "moved here" in result.text


def test_redirect_loop_is_too_many_redirects(web):
    web.route("/a", status=302, headers={"Location": "/b"})
    web.route("/b", status=302, headers={"Location": "/a"})
    with pytest.raises(ScrapeError) as caught:
        make_fetcher(max_redirects=5).get(web.url("/a"))
    assert caught.value.reason == "too_many_redirects"
    assert web.hits("/a") + web.hits("/b") == 6


# -- size, decompression and time limits ----------------------------------------------------------

def test_declared_50mb_body_is_refused_before_reading(web):
    def huge(h: BaseHTTPRequestHandler) -> None:
        send_head(h, 200, {"Content-Type": "text/html", "Content-Length": str(50_000_000)})
        for _ in range(50):
            h.wfile.write(b"x" * 1_000_000)

    web.route("/huge", handler=quietly(huge))
    with pytest.raises(ScrapeError) as caught:
        make_fetcher(obey_robots=False).get(web.url("/huge"))
    assert caught.value.reason == "too_large"
    assert web.hits("/huge") == 1


def test_50mb_body_without_content_length_stops_at_max_bytes(web):
    def endless(h: BaseHTTPRequestHandler) -> None:
        send_head(h, 200, {"Content-Type": "text/html", "Connection": "close"})
        for _ in range(50):
            h.wfile.write(b"x" * 1_000_000)
        h.close_connection = True

    web.route("/stream", handler=quietly(endless))
    with pytest.raises(ScrapeError) as caught:
        make_fetcher(obey_robots=False).get(web.url("/stream"))  # default max_bytes = 20 MB
    assert caught.value.reason == "too_large"


def test_lying_content_length_does_not_lift_the_limit(web):
    def liar(h: BaseHTTPRequestHandler) -> None:
        send_head(h, 200, {"Content-Type": "text/html", "Content-Length": "10", "Transfer-Encoding": "chunked"})
        chunk = b"y" * 100_000
        for _ in range(30):
            h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        h.wfile.write(b"0\r\n\r\n")

    web.route("/liar", handler=quietly(liar))
    with pytest.raises(ScrapeError) as caught:
        make_fetcher(obey_robots=False, max_bytes=1_000_000).get(web.url("/liar"))
    assert caught.value.reason == "too_large"


def test_gzip_bomb_is_stopped(web):
    bomb = gzip_bomb()
    web.route("/bomb", handler=fixed(bomb, {"Content-Encoding": "gzip"}))
    with pytest.raises(ScrapeError) as caught:
        make_fetcher(obey_robots=False).get(web.url("/bomb"))  # default max_decompressed = 50 MB
    assert caught.value.reason == "decompression_bomb"
    assert len(bomb) < 200_000


@pytest.mark.parametrize("coding", ["gzip", "deflate-zlib", "deflate-raw"])
def test_compressed_bodies_are_decoded_and_raw_bytes_kept(web, coding):
    page = ("<html><body>" + "Supervised consumption site opens. " * 200 + "</body></html>").encode()
    if coding == "gzip":
        body, header = gzip.compress(page), "gzip"
    elif coding == "deflate-zlib":
        body, header = zlib.compress(page), "deflate"
    else:
        packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        body, header = packer.compress(page) + packer.flush(), "deflate"
    web.route("/z", body=body, headers={"Content-Encoding": header})
    result = make_fetcher(obey_robots=False).get(web.url("/z"))
    assert result.content == page and result.raw_content == body
    assert result.text.count("Supervised consumption") == 200


def test_unrequested_content_encoding_is_named(web):
    web.route("/br", handler=fixed(b"\x1b\x03\x00", {"Content-Encoding": "br"}))
    with pytest.raises(ScrapeError) as caught:
        make_fetcher(obey_robots=False).get(web.url("/br"))
    assert caught.value.reason == "unsupported_encoding"


def test_slow_drip_ends_in_timeout(web):
    def drip(h: BaseHTTPRequestHandler) -> None:
        send_head(h, 200, {"Content-Type": "text/html", "Content-Length": "100000"})
        for _ in range(200):
            h.wfile.write(b"x")
            h.wfile.flush()
            time.sleep(0.02)

    web.route("/drip", handler=quietly(drip))
    began = time.monotonic()
    with pytest.raises(ScrapeError) as caught:
        make_fetcher(obey_robots=False, max_time=0.5).get(web.url("/drip"))
    assert caught.value.reason == "timeout"
    assert "max_time" in caught.value.message
    assert web.hits("/drip") == 1  # a slow drip is not retried
    assert time.monotonic() - began < 3.5


def test_stalled_body_ends_at_max_time_not_at_the_read_timeout(web):
    stop = threading.Event()

    def stall(h: BaseHTTPRequestHandler) -> None:
        send_head(h, 200, {"Content-Type": "text/html", "Content-Length": "100"})
        h.wfile.write(b"<html>")
        h.wfile.flush()
        stop.wait(5)
        h.close_connection = True

    web.route("/stall", handler=quietly(stall))
    began = time.monotonic()
    with pytest.raises(ScrapeError) as caught:
        make_fetcher(obey_robots=False, timeout=(2, 30), max_time=0.4).get(web.url("/stall"))
    stop.set()
    assert caught.value.reason == "timeout" and "max_time" in caught.value.message
    assert time.monotonic() - began < 3
    assert web.hits("/stall") == 1


def test_truncated_body_is_named(web):
    def short(h: BaseHTTPRequestHandler) -> None:
        send_head(h, 200, {"Content-Type": "text/html", "Content-Length": "5000"})
        h.wfile.write(b"<html><body>only part")
        h.wfile.flush()
        h.connection.shutdown(socket.SHUT_WR)
        h.close_connection = True

    web.route("/short", handler=quietly(short))
    with pytest.raises(ScrapeError) as caught:
        make_fetcher(obey_robots=False, max_retries=1).get(web.url("/short"))
    assert caught.value.reason == "truncated"
    assert web.hits("/short") == 2


def test_truncated_gzip_stream_is_named(web):
    body = gzip.compress(b"<html>" + bytes(range(256)) * 400 + b"</html>")
    web.route("/halfgz", handler=fixed(body[: len(body) // 2], {"Content-Encoding": "gzip"}))
    with pytest.raises(ScrapeError) as caught:
        make_fetcher(obey_robots=False, max_retries=0).get(web.url("/halfgz"))
    assert caught.value.reason == "truncated"


# -- content types and charsets -------------------------------------------------------------------

def test_empty_page_is_named_and_still_archived(web):
    web.route("/empty", body=b"")
    seen: list[FetchResult] = []
    with pytest.raises(ScrapeError) as caught:
        make_fetcher(obey_robots=False, on_response=seen.append).get(web.url("/empty"))
    assert caught.value.reason == "empty"
    assert len(seen) == 1 and seen[0].status == 200


def test_pdf_stays_bytes(web):
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    web.route("/report.pdf", body=pdf, content_type="application/pdf")
    result = make_fetcher(obey_robots=False).get(web.url("/report.pdf"))
    assert result.content == pdf and result.text is None and result.encoding is None
    assert result.content_type == "application/pdf"


def test_missing_content_type_is_sniffed(web):
    def bare(h: BaseHTTPRequestHandler) -> None:
        body = b"%PDF-1.7\nbinary\x00stuff"
        send_head(h, 200, {"Content-Length": str(len(body))})
        h.wfile.write(body)

    web.route("/noctype", handler=bare)
    result = make_fetcher(obey_robots=False).get(web.url("/noctype"))
    assert result.content_type == "application/pdf" and result.text is None


TEXT = "L’injection supervisée réduit les surdoses — « site de consommation »"


@pytest.mark.parametrize("body, content_type, encoding", [
    (TEXT.encode("cp1252"), "text/html; charset=windows-1252", "cp1252"),
    (TEXT.encode("cp1252"), "text/html; charset=utf-8", "cp1252"),  # the header is wrong
    (TEXT.encode("utf-8"), "text/html", "utf-8"),  # no charset at all
    (b'<html><head><meta charset="iso-8859-15"></head><body>' + TEXT.replace("’", "'").replace("—", "-")
     .encode("iso-8859-15") + b"</body></html>", "text/html", "iso8859-15"),
    (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "text/html; charset=iso-8859-1", "utf-8"),  # BOM
])
def test_charsets_are_decoded(web, body, content_type, encoding):
    web.route("/page", body=body, content_type=content_type)
    result = make_fetcher(obey_robots=False).get(web.url("/page"))
    assert result.encoding == encoding
    assert "supervisée" in result.text and "\ufffd" not in result.text


@pytest.mark.parametrize("bad", ["ftp://example.org/file", "not a url", "http://:80/x", "http://[::1/"])
def test_bad_urls_are_named(bad):
    with pytest.raises(ScrapeError) as caught:
        make_fetcher().get(bad)
    assert caught.value.reason == "bad_url" and caught.value.url == bad
