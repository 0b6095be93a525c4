"""Names a document gives its sites count as the site wherever else the document uses them."""
from __future__ import annotations

import pandas as pd

from framing import analyze
from framing.concepts import ConceptDetector
from framing.sitenames import name_pattern, site_names


def sites_of(text: str) -> list[tuple[int, int]]:
    return [(m.start, m.end) for m in ConceptDetector().detect(text) if m.concept == "SITE"]


def test_names_come_from_appositions_calls_and_abbreviations():
    text = ("Riverbend, the city's first supervised consumption site, opened in May. A second overdose "
            "prevention centre called Harbour Light follows. Safer drug consumption facilities (SDCFs) are new.")
    assert site_names(text, sites_of(text)) == ["Riverbend", "Harbour Light", "SDCFs"]
    assert name_pattern(["SDCFs"]).findall("One SDCF, two SDCFs.") == ["SDCF", "SDCFs"]


def test_openers_places_and_agencies_are_not_names():
    for text in ["Meanwhile, the supervised consumption site closed.",
                 "In Toronto, the city's supervised consumption sites will close.",
                 "Alberta Health Services, the agency running the supervised consumption site, said so.",
                 "Lethbridge, a city with a supervised consumption site, voted.",
                 "Funding for Riverbend, the supervised consumption site, ends."]:
        assert site_names(text, sites_of(text)) == [], text


def test_a_later_bare_name_is_the_site_in_analysis():
    text = ("Riverbend, the city's only supervised consumption site, opened in 2019. "
            "Riverbend staff now refer clients to detox every week.")
    units = analyze(pd.DataFrame({"id": ["d1"], "text": [text]}), progress=False)
    second = units[units["text"].str.startswith("Riverbend staff")].iloc[0]
    assert second["concepts"] == ["HARM_REDUCTION", "TREATMENT"]
    assert second["pairs"] == {"HARM_REDUCTION+TREATMENT": "complementary"}
    # the same sentence in a document that never introduces the name has no site
    alone = analyze(pd.DataFrame({"id": ["d2"], "text": ["Riverbend staff now refer clients to detox every week."]}),
                    progress=False)
    assert alone.iloc[0]["concepts"] == ["TREATMENT"]


def test_names_given_after_also_known_as_and_an_address_and_in_a_list():
    text = ("Our city opened its supervised consumption site, also known as Greenway, The Landing on May 2. "
            "The supervised injection site at 12 Elm Avenue, also known as the “Shed”, opened in 2017. "
            "The supervised consumption site known as Riverbend, Canada's first, opened.")
    assert site_names(text, sites_of(text)) == ["Greenway", "Landing", "Shed", "Riverbend"]


def test_a_name_said_to_be_the_site_counts_as_the_site():
    text = ("Opening in 2003, Casa Verde was the first, and is still the largest, of the city's five consumption "
            "rooms. Riverbend is the county's only supervised consumption site. "
            "In 2019, Toronto was the first of the big cities to open supervised consumption sites.")
    assert site_names(text, sites_of(text)) == ["Casa Verde", "Riverbend"]
