"""Document sources behind one interface: `discover(since, until)` → candidates, `fetch(candidate)` → Extraction."""
from scrapers.sources.base import (
    KINDS,
    Candidate,
    QueryMatcher,
    Source,
    build_source,
    source_class,
    validate_options,
)
from scrapers.sources.crawl import CrawlSource
from scrapers.sources.federal_register import FederalRegisterSource
from scrapers.sources.feeds import FeedSource, parse_feed
from scrapers.sources.gdelt import GdeltSource
from scrapers.sources.mediacloud import MediaCloudSource
from scrapers.sources.sitemaps import SitemapSource, parse_sitemap
from scrapers.sources.warc import WarcSource

__all__ = [
    "KINDS",
    "Candidate",
    "CrawlSource",
    "FederalRegisterSource",
    "FeedSource",
    "GdeltSource",
    "MediaCloudSource",
    "QueryMatcher",
    "SitemapSource",
    "Source",
    "WarcSource",
    "build_source",
    "parse_feed",
    "parse_sitemap",
    "source_class",
    "validate_options",
]
