"""framewatch scrapers: polite HTTP, document sources and text extraction."""
