"""How news, officials and columnists write: concepts and relations the codebook expects (our own sentences)."""
from __future__ import annotations

import pytest

from framing.analyze import analyze
from framing.classifier import default_relation_model, mask_text
from framing.concepts import ConceptDetector

HT, HR, TR = "HARM_REDUCTION+TREATMENT", "HARM_REDUCTION+RECOVERY", "TREATMENT+RECOVERY"


@pytest.fixture(scope="module")
def model():
    return default_relation_model()


def label(model, text, pair, title=None):
    units = analyze([{"id": "d", "text": text, "title": title}], model=model, progress=False)
    found = {}
    for p in units["pairs"]:
        found.update(p)
    return found.get(pair)


@pytest.mark.parametrize("text, pair, expected", [
    ("Councillor Varga called the injection site the enemy of recovery.", HR, "opposition"),
    ("The money would be better spent on recovery beds than on the overdose prevention site.", HR, "opposition"),
    ("Critics accuse the minister of pitting harm reduction and treatment against each other.", HT, "opposition"),
    ("Seven of the province's supervised consumption sites will transition into treatment hubs by June.",
     HT, "opposition"),
    ("The new hubs focus on addiction recovery but will not provide supervised consumption or needle "
     "exchange.", HR, "opposition"),
    ("The hubs offer detox referrals without offering drug consumption services, the ministry said.",
     HT, "opposition"),
    ("Consumption and Treatment Services will replace the overdose prevention site model next spring.",
     HT, "neutral"),
    ("Nurses at the site walk clients over to the detox unit when they ask for help.", HT, "complementary"),
])
def test_news_relations(model, text, pair, expected):
    assert label(model, text, pair, title="Lakeview supervised consumption site marks fifth year") == expected


def test_the_political_opposition_is_not_a_relation(model):
    text = "Opposition health critic Dana Roe said harm reduction and treatment both need money this year."
    assert label(model, text, HT) != "opposition"
    # the learned n-grams never see the party as the word "opposition", in the model or in a coverage head
    for party in [text, "The opposition, led by Dana Roe, promised detox beds and a review of the site.",
                  "Official Opposition members toured the supervised consumption site and the detox ward."]:
        masked = mask_text(party, HT, ConceptDetector().detect(party, site_context=True))
        assert "OPPOSITIONPARTY" in masked and "opposition" not in masked.lower().replace("oppositionparty", "")
    stance = "Residents voiced opposition to the supervised consumption site and to the detox ward."
    assert "OPPOSITIONPARTY" not in mask_text(stance, HT, ConceptDetector().detect(stance))


def test_a_headline_naming_the_site_lets_the_site_count():
    d = ConceptDetector()
    text = "Officials say the site referred 40 people to detox in March."
    units = analyze([{"id": "a", "text": text, "title": "Riverside overdose prevention site reports a busy spring"}],
                    progress=False)
    assert units.loc[0, "concepts"] == ["HARM_REDUCTION", "TREATMENT"]
    assert d.concepts_in(text) == ["TREATMENT"]  # without the document, "the site" is nothing


@pytest.mark.parametrize("text, concepts", [
    ("Nine of the 10 sites slated to close agreed to become Hart Hubs.", ["HARM_REDUCTION", "TREATMENT"]),
    ("The mayor wants to end the era of injection sites.", ["HARM_REDUCTION"]),
    ("Her flu shot injection site was sore for a day.", []),
    ("A withdrawal management unit opened beside the recovery residence.", ["TREATMENT", "RECOVERY"]),
    ("He was treated and released after an overdose at the park.", []),
    ("The province will treat drug use as a health issue rather than a crime.", []),
    ("The county now treats substance use as a health-care issue.", []),
    ("Its nurses treat people who inject as individuals, not as problems to be moved along.", []),
    ("Its nurses treat people who inject for opioid addiction.", ["TREATMENT"]),
    ("Staff could administer treatment in the event of an overdose.", []),
    ("Recovering heroin addict Sam Ortiz now mentors others.", ["RECOVERY"]),
    ("Clients rest in the post-injection recovery area before they leave.", []),
])
def test_news_concepts(text, concepts):
    assert ConceptDetector().concepts_in(text, site_context=True) == concepts


def test_lines_of_a_page_are_separate_units_unless_a_line_is_wrapped():
    text = ("City unveils recovery plan for downtown clinic\n"
            "The council voted to keep the overdose prevention site open.\n"
            "Its director said the\nvote was close.")
    units = analyze([{"id": "p", "text": text}], progress=False)
    assert list(units["text"])[:2] == ["City unveils recovery plan for downtown clinic",
                                       "The council voted to keep the overdose prevention site open."]
    assert units["text"].iloc[-1] == "Its director said the\nvote was close."


@pytest.mark.parametrize("text, pair, expected", [
    ("The province is closing the overdose prevention site in favour of a recovery model.", HR, "opposition"),
    ("The clinic adds methadone on top of its naloxone training.", HT, "complementary"),
])
def test_displacement_and_addition(model, text, pair, expected):
    assert label(model, text, pair) == expected


def test_a_campaign_is_not_a_camp(model):
    from framing.relations import rule_relation
    text = "The paper campaigned for better addiction treatment and says the new site will deliver it."
    mentions = ConceptDetector().detect(text, site_context=True)
    assert "tension" not in {m.name for m in rule_relation(text, mentions, HT).markers}
