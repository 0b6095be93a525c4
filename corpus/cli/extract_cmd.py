"""`framewatch extract FILE|URL`: the text and metadata `scrapers.extract` finds in one page or PDF."""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from scrapers.errors import ScrapeError

_URL = re.compile(r"^https?://", re.I)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `extract` sub-command to the `framewatch` parser."""
    parser = sub.add_parser(
        "extract",
        help="extract text, title, date, language and outlet from an HTML/PDF file or a URL",
        description="Print what framewatch extracts from one page: a local HTML or PDF file, or a URL "
        "fetched politely (robots.txt, User-Agent naming the project).",
    )
    parser.add_argument("source", metavar="FILE|URL", help="a local .html/.pdf file or an http(s) URL")
    parser.add_argument("--json", action="store_true", help="print the Extraction as one JSON object")
    parser.add_argument("--url", help="the address a local FILE came from (improves dates and outlet)")
    parser.add_argument("--contact", default=None, help="contact e-mail sent in the User-Agent when fetching")
    parser.add_argument("--min-delay", type=float, default=5.0,
                        help="seconds between requests to one host (robots.txt, then the page); default 5")
    parser.add_argument("--allow-loopback", action="store_true",
                        help="allow fetching from 127.0.0.1 / localhost (testing)")
    parser.set_defaults(func=run)


def _from_file(path: Path, url: str | None):
    from scrapers.extract import extract
    from scrapers.pdf import extract_pdf

    data = path.read_bytes()
    if data[:5] == b"%PDF-" or path.suffix.lower() == ".pdf":
        return extract_pdf(data, url=url)
    return extract(data, url=url)


def _from_url(url: str, args: argparse.Namespace):
    from scrapers.extract import extract_response
    from scrapers.http import Fetcher

    fetcher = Fetcher(contact=args.contact, min_delay=args.min_delay, allow_loopback=args.allow_loopback)
    return extract_response(fetcher.get(url))


def run(args: argparse.Namespace) -> int:
    """Extract and print; exit code 1 with the error's reason when the page cannot be read."""
    try:
        if _URL.match(args.source):
            result = _from_url(args.source, args)
        else:
            path = Path(args.source)
            if not path.is_file():
                print(f"framewatch extract: no such file: {args.source}", file=sys.stderr)
                return 2
            result = _from_file(path, args.url)
    except ScrapeError as err:
        print(f"framewatch extract: {err.reason}: {err.url}: {err.message}", file=sys.stderr)
        return 1
    data = result.to_dict()
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    for key in ("title", "date", "date_source", "date_confidence", "language", "outlet", "url",
                "canonical_url", "extractor"):
        print(f"{key}: {data[key] if data[key] is not None else ''}")
    print()
    print(data["text"])
    return 0
