"""robots.txt: RFC 9309 matching, and the Fetcher obeying it (Disallow, Crawl-delay, cache, failures)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrapers.errors import ScrapeError
from scrapers.robots import RobotsAnswer, RobotsCache, parse_robots
from tests.test_http import FakeTime, make_fetcher

ROBOTS = """\
# a comment line
User-agent: *
Disallow: /private/
Allow: /private/press-releases/
Disallow: /*.pdf$
Disallow: /search?q=

User-agent: SomeOtherBot
Disallow: /

Sitemap: https://example.org/sitemap.xml
"""


def test_longest_match_wins_and_allow_wins_ties():
    rules = parse_robots(ROBOTS, "framewatch")
    assert not rules.allowed("/private/notes.html")
    assert rules.allowed("/private/press-releases/2024.html")
    assert rules.allowed("/public/page")
    tie = parse_robots("User-agent: *\nDisallow: /page\nAllow: /page\n", "framewatch")
    assert tie.allowed("/page")


def test_wildcards_and_end_anchor():
    rules = parse_robots(ROBOTS, "framewatch")
    assert not rules.allowed("https://example.org/docs/report.pdf")
    assert rules.allowed("https://example.org/docs/report.pdf?download=1")  # '$' anchors the end
    assert not rules.allowed("https://example.org/search?q=overdose")
    assert rules.allowed("https://example.org/search")


def test_our_group_beats_the_star_group_and_matching_ignores_case_and_version():
    text = "User-agent: *\nDisallow: /\n\nUser-agent: FrameWatch/2.0\nDisallow: /drafts\nCrawl-delay: 12\n"
    rules = parse_robots(text, "framewatch")
    assert rules.allowed("/news/1") and not rules.allowed("/drafts/1")
    assert rules.crawl_delay == 12
    assert not parse_robots(text, "otherbot").allowed("/news/1")


def test_sitemaps_empty_disallow_and_junk_lines():
    rules = parse_robots(ROBOTS, "framewatch")
    assert rules.sitemaps == ["https://example.org/sitemap.xml"]
    open_site = parse_robots("User-agent: *\nDisallow:\nCrawl-delay: soon\nthis is not a rule\n", "framewatch")
    assert open_site.allowed("/anything") and open_site.crawl_delay is None
    assert parse_robots("", "framewatch").allowed("/x")
    assert parse_robots("User-agent: *\nDisallow: /\n", "framewatch").allowed("/robots.txt")


def test_percent_encoding_is_compared_normalised():
    rules = parse_robots("User-agent: *\nDisallow: /caf%c3%a9\n", "framewatch")
    assert not rules.allowed("/café/menu")
    assert not rules.allowed("/caf%C3%A9/menu")


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=400), path=st.text(max_size=60))
def test_any_robots_text_parses_and_answers(text, path):
    rules = parse_robots("User-agent: *\n" + text, "framewatch")
    assert rules.allowed("/" + path) in (True, False)


def test_cache_refetches_after_ttl():
    fake = FakeTime()
    asked: list[str] = []

    def fetch(url: str) -> RobotsAnswer:
        asked.append(url)
        return RobotsAnswer(200, b"User-agent: *\nDisallow: /x\n")

    cache = RobotsCache(fetch, ttl=100, clock=fake.clock)
    assert not cache.allowed("https://example.org/x/1")
    assert cache.allowed("https://EXAMPLE.org/y")
    assert asked == ["https://example.org/robots.txt"]
    fake.now += 101
    cache.allowed("https://example.org/y")
    assert len(asked) == 2


# -- the Fetcher obeying robots.txt ---------------------------------------------------------------

def test_disallowed_page_is_never_requested(web):
    web.route("/robots.txt", body=ROBOTS, content_type="text/plain")
    web.route("/private/secret.html", body="<html>secret</html>")
    with pytest.raises(ScrapeError) as caught:
        make_fetcher().get(web.url("/private/secret.html"))
    assert caught.value.reason == "robots_disallowed"
    assert web.hits("/private/secret.html") == 0


def test_robots_is_fetched_once_per_host(web):
    web.route("/robots.txt", body=ROBOTS, content_type="text/plain")
    web.route("/a", body="<html>a</html>")
    web.route("/b", body="<html>b</html>")
    fetcher = make_fetcher()
    fetcher.get(web.url("/a"))
    fetcher.get(web.url("/b"))
    with pytest.raises(ScrapeError):
        fetcher.get(web.url("/private/x"))
    assert web.hits("/robots.txt") == 1


def test_crawl_delay_raises_the_per_host_delay(web):
    web.route("/robots.txt", body="User-agent: *\nCrawl-delay: 9\n", content_type="text/plain")
    web.route("/a", body="<html>a</html>")
    fake = FakeTime()
    fetcher = make_fetcher(fake, min_delay=2.0)
    fetcher.get(web.url("/a"))
    fetcher.get(web.url("/a"))
    # robots.txt itself goes out with the plain 2 s spacing; page requests then keep 9 s apart
    assert fake.sleeps == [2.0, 9.0]


def test_missing_robots_allows_everything(web):
    web.route("/a", body="<html>a</html>")
    result = make_fetcher().get(web.url("/a"))
    assert result.status == 200
    assert web.hits("/robots.txt") == 1


def test_robots_server_error_disallows_the_site(web):
    web.route("/robots.txt", status=503, body="down", content_type="text/plain")
    web.route("/a", body="<html>a</html>")
    fake = FakeTime()
    fetcher = make_fetcher(fake, max_retries=1)
    with pytest.raises(ScrapeError) as caught:
        fetcher.get(web.url("/a"))
    assert caught.value.reason == "robots_unavailable"
    assert "503" in caught.value.message
    assert web.hits("/a") == 0 and web.hits("/robots.txt") == 2
    with pytest.raises(ScrapeError):
        fetcher.get(web.url("/a"))
    assert web.hits("/robots.txt") == 2  # the failure is cached for a while too
    fake.now += 601
    web.route("/robots.txt", body="User-agent: *\nDisallow:\n", content_type="text/plain")
    assert fetcher.get(web.url("/a")).status == 200


def test_robots_can_be_switched_off(web):
    web.route("/robots.txt", body="User-agent: *\nDisallow: /\n", content_type="text/plain")
    web.route("/a", body="<html>a</html>")
    assert make_fetcher(obey_robots=False).get(web.url("/a")).status == 200
    assert web.hits("/robots.txt") == 0


def test_redirect_target_is_checked_against_robots(web):
    web.route("/robots.txt", body="User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    web.route("/go", status=302, headers={"Location": "/private/page"})
    with pytest.raises(ScrapeError) as caught:
        make_fetcher().get(web.url("/go"))
    assert caught.value.reason == "robots_disallowed"
    assert web.hits("/private/page") == 0
