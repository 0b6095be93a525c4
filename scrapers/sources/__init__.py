"""Document sources: feeds, sitemaps, news APIs, crawls and WARC files."""
