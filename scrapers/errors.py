"""The one error every scraper failure becomes: a URL, a short snake-case reason and a message."""
from __future__ import annotations

from scrapers.redact import redact_text, redact_url


class ScrapeError(Exception):
    """A failure to fetch or read one document; callers record `reason` and go on.

    `reason` is short snake-case (``http_404``, ``timeout``, ``too_large`` …); `status` is the HTTP
    status when a response was received. `url` and `message` are kept with credentials redacted, so an
    error can be stored or printed as it is. Example: ``ScrapeError(url, "http_404", "not found")``.
    """

    def __init__(self, url: str, reason: str, message: str = "", status: int | None = None) -> None:
        url, message = redact_url(url), redact_text(message)
        super().__init__(url, reason, message, status)
        self.url = url
        self.reason = reason
        self.message = message
        self.status = status

    def __str__(self) -> str:
        text = f"{self.reason}: {self.url}"
        return f"{text} ({self.message})" if self.message else text
