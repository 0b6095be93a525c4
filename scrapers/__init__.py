"""framewatch scrapers: polite HTTP, document sources and text extraction.

Example::

    from scrapers import Fetcher, build_source, extract
    fetcher = Fetcher(contact="you@example.org")
    source = build_source("rss", "city_daily", {"url": "https://example.org/feed.xml"}, fetcher)
    for candidate in source.discover(since=None, until=None):
        doc = source.fetch(candidate)          # an Extraction: text, title, date, language, outlet
"""
from scrapers.errors import ScrapeError
from scrapers.extract import extract, extract_response
from scrapers.extraction import Extraction
from scrapers.http import Fetcher, FetchResult
from scrapers.pdf import extract_pdf
from scrapers.redact import RedactingFilter, redact_text, redact_url
from scrapers.robots import RobotsCache, parse_robots
from scrapers.sources import KINDS, Candidate, Source, build_source
from scrapers.warc import WarcDamage, WarcRecord, WarcTruncated, read_warc

__all__ = [
    "KINDS",
    "Candidate",
    "Extraction",
    "FetchResult",
    "Fetcher",
    "RedactingFilter",
    "RobotsCache",
    "ScrapeError",
    "Source",
    "WarcDamage",
    "WarcRecord",
    "WarcTruncated",
    "build_source",
    "extract",
    "extract_pdf",
    "extract_response",
    "parse_robots",
    "read_warc",
    "redact_text",
    "redact_url",
]
