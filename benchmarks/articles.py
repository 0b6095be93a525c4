"""Generated news articles for speed benchmarks: about 600 words each, in paragraphs, with concepts in
about a third of the sentences (some pairs, some relation markers), the rest ordinary news filler.
All sentences are invented here. Example: `articles(1000)` -> list of {id, date, title, text} dicts.
"""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

FILLER = [
    "The council met on Tuesday evening to review the annual budget for the east district.",
    "Residents asked about parking, snow removal and the schedule for the new bus route.",
    "A spokesperson for the city said more details would be published later this month.",
    "Several business owners on Main Street said foot traffic had changed over the past year.",
    "The meeting ran for nearly three hours and ended with a vote to revisit the issue in spring.",
    "Dr. Ellis, who chairs the board, said the numbers were still being checked by staff.",
    "The province has not yet said how much money it will put toward the plan.",
    "Neighbours gathered outside the hall before the session and handed out leaflets.",
    "The report counted visits, referrals and calls to the front desk between January and June.",
    "Officials expect the final figures to be ready before the next election in the fall.",
    "Mr. Patel said the neighbourhood association had written to the mayor twice since March.",
    "The building on Queen St. was renovated in 2018 and now houses a pharmacy and a clinic.",
]
CONCEPT = [
    "The overdose prevention site opened its doors to clients last winter.",
    "Nurses at the supervised consumption site handed out naloxone kits to visitors.",
    "Advocates say harm reduction and treatment work together in the same building.",
    "The program offers detox beds and long-term recovery support for residents.",
    "Critics want money spent on treatment instead of the injection site.",
    "Harm reduction is not the opposite of recovery, the director said.",
    "Families described the long wait for a rehab bed in the region.",
    "Peer workers talked about their own recovery from addiction.",
    "The clinic prescribes methadone and buprenorphine to patients with opioid use disorder.",
    "The city chose recovery over harm reduction in its new drug strategy.",
    "Staff at the facility connect people to treatment when they ask for it.",
    "Syringe services and a needle exchange run from the back of the building.",
]


def _article(i: int, rng: random.Random, words: int) -> dict:
    paragraphs, n = [], 0
    while n < words:
        sentences = [rng.choice(CONCEPT if rng.random() < 0.3 else FILLER) for _ in range(rng.randint(2, 4))]
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        n += len(paragraph.split())
    date = dt.date(2015, 1, 1) + dt.timedelta(days=(i * 7919) % 3650)
    return {"id": f"a{i}", "date": date.isoformat(), "title": f"Story number {i} from the council beat",
            "text": "\n\n".join(paragraphs)}


def iter_articles(n: int, words: int = 600, seed: int = 13) -> Iterator[dict]:
    """`n` generated articles of about `words` words, one at a time (memory does not grow with n)."""
    rng = random.Random(seed)
    for i in range(n):
        yield _article(i, rng, words)


def articles(n: int, words: int = 600, seed: int = 13) -> list[dict]:
    """`n` generated articles as a list."""
    return list(iter_articles(n, words, seed))
