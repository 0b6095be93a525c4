"""How news coverage of consumption sites relates the concepts, with our own sentences: the rule layer's
mechanisms found by reading real coverage (a site that provides the other, refusals and closures, a fronted
"unlike", names), new lexicon entries, and the shift of the learned probabilities to real-coverage priors."""
from __future__ import annotations

import json

import numpy as np
import pytest

from framing.classifier import PRIORS_FILE, RelationClassifier, default_relation_model, pair_priors
from framing.concepts import ConceptDetector
from framing.relations import LABELS, PAIRS, rule_relation

HT, HR, TR = "HARM_REDUCTION+TREATMENT", "HARM_REDUCTION+RECOVERY", "TREATMENT+RECOVERY"


def rule(text: str, pair: str, site: bool | None = None):
    det = ConceptDetector()
    site = det.names_site(text) if site is None else site
    return rule_relation(text, det.detect(text, site_context=site), pair)


def names(verdict) -> set[str]:
    """The names of the markers behind a verdict."""
    return {m.name for m in verdict.markers}


def found(text: str, site: bool = True) -> dict[str, str]:
    det = ConceptDetector()
    return {m.concept: text[m.start:m.end] for m in det.detect(text, site_context=site)}


@pytest.mark.parametrize("text, marker", [
    ("The supervised consumption site will also offer same-day opioid agonist treatment.", "provides"),
    ("Under the new licence the overdose prevention centre provides detox referrals and methadone starts.",
     "provides"),
    ("The county's syringe services program now dispenses buprenorphine from its van.", "provides"),
    # a site helping people into treatment
    ("Evaluators say the injection site encouraged enrolment in methadone programs among its regulars.", "uptake"),
    ("Peer workers at the overdose prevention centre help visitors seek addiction treatment when they ask.",
     "uptake"),
    ("The supervised consumption service has drawn hundreds of isolated users into detox since it opened.",
     "uptake"),
])
def test_a_site_that_provides_or_leads_people_into_treatment_is_complementary(text, marker):
    verdict = rule(text, HT)
    assert verdict.label == "complementary"
    assert marker in names(verdict)


def test_providing_is_no_link_when_the_subject_offers_only_itself_or_refuses():
    # the hubs offer treatment and recovery: both objects, the same side, no stance between them
    assert rule("The new treatment hubs will offer recovery coaching and addiction treatment.", TR).label != "complementary"
    # "will not provide" the site's service is a refusal, not a link
    assert rule("The new treatment hubs will not provide supervised consumption.", HT).label == "opposition"


def test_both_of_these_is_a_quantifier_not_both_x_and_y():
    text = ("At both of these hearings the minister described harm reduction and treatment as mutually "
            "exclusive approaches.")
    assert rule(text, HT).label == "opposition"
    assert rule("The province funds both harm reduction and treatment.", HT).label == "complementary"


@pytest.mark.parametrize("text", [
    "A spokesperson for the treatment centre declined to comment on the supervised consumption site.",
    "Police found the stolen car two blocks from the overdose prevention site, near a recovery house.",
    "The survey did not ask whether respondents had used harm reduction services or addiction treatment.",
])
def test_reported_non_events_are_no_refusals(text):
    pair = HR if "recovery" in text else HT
    assert rule(text, pair).label != "opposition"


@pytest.mark.parametrize("text", [
    "The province will not fund supervised consumption and will pay for treatment beds instead.",
    "A needle exchange will never get anyone into treatment, the councillor said.",
    "The consumption site has closed, and the new addiction treatment hub opened on Monday.",
    "The treatment hub opened in March, months after the consumption site closure.",
])
def test_refusals_closures_and_failures_are_opposition(text):
    assert rule(text, HT).label == "opposition"


def test_a_refusal_belongs_to_the_concept_right_after_it():
    # "closed, the new ... recovery hub": the closure is the site's, not the recovery hub's
    text = "The supervised consumption site closed, the new addiction recovery hub and its detox unit opened."
    assert rule(text, TR).label != "opposition"


def test_a_fronted_unlike_sets_the_two_apart():
    text = "Unlike supervised consumption sites, the treatment hubs will not allow drug use on the premises."
    verdict = rule(text, HT)
    assert verdict.label == "opposition"
    assert "as_opposed_to" in names(verdict)


def test_markers_do_not_split_one_compound_name():
    # the site turns into the hub (opposition), but recovery and treatment stay one name (neutral)
    text = "Four supervised consumption sites will transition into Addiction Recovery Treatment Hubs next year."
    assert rule(text, HT).label == "opposition"
    assert rule(text, TR).label == "neutral"


@pytest.mark.parametrize("text,concept,words", [
    ("Safe Point opened on the strip on Thursday.", "HARM_REDUCTION", "Safe Point"),
    ("The MSIF will be run by a charity under licence.", "HARM_REDUCTION", "MSIF"),
    ("A second Westville site is scheduled to open next week.", "HARM_REDUCTION", "A second Westville site"),
    ("Only two states have these types of facilities.", "HARM_REDUCTION", "these types of facilities"),
    ("He spent twenty years treating substance abusers in the county.", "TREATMENT", "treating substance abusers"),
    ("Services include opiate agonist therapy and wound care.", "TREATMENT", "opiate agonist"),
    ("Critics call it a harm production programme.", "HARM_REDUCTION", "harm production"),
    ("Council heard about the city's only consumption and treatment site.", "HARM_REDUCTION",
     "consumption and treatment site"),
    ("The room offers long-acting opiate replacement therapy.", "TREATMENT", "opiate replacement therapy"),
    ("The rooms help rehabilitate drug users, the study says.", "TREATMENT", "rehabilitate drug users"),
    ("Grants will set up safe recovery sites in three counties.", "HARM_REDUCTION", "safe recovery sites"),
    ("They asked for an urgent public health needs site downtown.", "HARM_REDUCTION", "urgent public health needs site"),
    ("INSITE opened as a pilot in 2003.", "HARM_REDUCTION", "INSITE"),
])
def test_names_and_descriptions_news_uses(text, concept, words):
    assert found(text).get(concept) == words


def test_definite_descriptions_need_a_site_document():
    assert "HARM_REDUCTION" not in found("Only two states have these types of facilities.", site=False)


def test_pair_priors_file_holds_counts_for_every_pair_and_label():
    doc = json.loads(PRIORS_FILE.read_text(encoding="utf-8"))
    assert set(doc["counts"]) == set(PAIRS)
    for row in pair_priors().values():
        assert set(row) == set(LABELS) and all(isinstance(n, int) and n >= 0 for n in row.values())
    # what real coverage looks like: a treatment-recovery pair is nearly always neutral
    tr = pair_priors()[TR]
    assert tr["neutral"] > 5 * (tr["complementary"] + tr["opposition"])


def test_prior_shift_moves_learned_probabilities_toward_real_coverage():
    items = [("Treatment and recovery were on the agenda.", TR)] * 3 + [("Recovery follows treatment.", TR)] * 3 + \
        [("Treatment is not recovery.", TR)] * 3
    labels = ["neutral"] * 3 + ["complementary"] * 3 + ["opposition"] * 3
    plain = RelationClassifier(prior_shift=False, char_ngrams=None).fit(items, labels)
    shifted = RelationClassifier(prior_shift=True, char_ngrams=None).fit(items, labels)
    probe = [("The board discussed treatment and recovery budgets on Tuesday.", TR)]
    column = list(shifted.classes_).index("neutral")
    assert shifted.predict_proba(probe)[0, column] > plain.predict_proba(probe)[0, column]
    assert np.allclose(shifted.predict_proba(probe).sum(axis=1), 1.0)


def test_shipped_model_leaves_an_unmarked_treatment_recovery_pair_neutral():
    text = "The premier announced money for treatment spaces at three recovery centres in the province."
    assert rule(text, TR).label is None  # no marker: the learned model decides
    assert default_relation_model().predict([(text, TR)])[0] == "neutral"


def test_counts_of_people_entering_treatment_are_no_link():
    text = "Last year 900 people visited the overdose prevention site and 300 entered treatment."
    assert "uptake" not in names(rule(text, HT))


def test_a_site_housed_with_treatment_is_complementary_and_refusing_it_is_opposition():
    assert rule("The new detox unit opens two floors above the supervised injection site.", HT).label \
        == "complementary"
    refused = rule("Officials said a recovery residence cannot be located in the same building as the "
                   "overdose prevention site.", HR)
    assert refused.label == "opposition"


def test_a_site_turned_into_a_named_hub_is_no_referral_and_the_name_joins_nothing():
    text = "The city's last supervised consumption site is transitioning into an Addiction Recovery Treatment Hub."
    assert rule(text, HT).label == "opposition"
    assert "connect_to" not in names(rule(text, HT))
    assert rule(text, TR).label != "complementary"
    text = "Ministers celebrated the transition of the four consumption sites into treatment hubs."
    assert rule(text, HT).label == "opposition"


def test_european_and_local_site_names_and_such_a_facility():
    assert found("Staff at the fixing room near the station see 400 visits a day.")["HARM_REDUCTION"] == "fixing room"
    assert "HARM_REDUCTION" in found("The budget promised money for such a facility in 2025.", site=True)
    assert "HARM_REDUCTION" not in found("The budget promised money for such a facility in 2025.", site=False)
    assert found("We can never support the facilitation of addiction.")["HARM_REDUCTION"] == \
        "facilitation of addiction"


def test_a_concept_only_inside_a_hub_name_is_neither_converted_nor_refused():
    text = "The City is now transitioning to HART (Homelessness and Addiction Recovery Treatment) hubs."
    assert rule(text, TR).label == "neutral"
    text = "The first stream is for existing consumption and treatment services, which are required to close."
    assert rule(text, HT, site=True).label != "opposition"


def test_close_cooperation_is_no_closure_and_a_listed_pair_is_one_side_of_instead():
    text = "The drug consumption room works in close cooperation with the nearest drug treatment centre."
    verdict = rule(text, HT)
    assert "refusal" not in names(verdict) and verdict.label == "complementary"
    assert rule("The ministry says it is focusing on recovery and treatment instead.", TR).label == "neutral"


def test_a_link_pushed_aside_by_instead_of_is_no_link():
    text = "Critics say the injection site keeps people using instead of getting them into treatment."
    verdict = rule(text, HT)
    assert verdict.label == "opposition"
    assert not {"uptake", "connect_to"} & names(verdict)


def test_money_moved_or_weighted_away_from_the_site_is_opposition():
    moved = "The overdose prevention site's funding is being redirected to a detox clinic and recovery coaches."
    assert rule(moved, HT).label == "opposition" and rule(moved, HR).label == "opposition"
    more = "Hubs get three times more funding for treatment than they received as consumption sites."
    assert rule(more, HT).label == "opposition"


def test_a_site_becoming_a_bracketed_hub_name_or_lost_by_a_city_is_opposition():
    text = "The two supervised consumption sites will become Homelessness and Addiction Recovery Treatment (HART) Hubs."
    assert rule(text, HT).label == "opposition"
    assert rule("A treatment hub opens after Eastport loses its supervised consumption site.", HT).label == "opposition"
    assert "refusal" not in names(rule(
        "She lost friends to overdose before her recovery and before the needle exchange opened.", HR))


def test_while_with_a_gerund_keeps_the_subject():
    text = "These overdose prevention sites cut deaths while expanding access to addiction treatment."
    assert rule(text, HT).label == "complementary"


def test_outreach_or_support_services_are_no_site_description():
    assert "HARM_REDUCTION" not in found("With the new outreach services in place, more people get help.", site=True)
    assert "HARM_REDUCTION" in found("The new services open in May.", site=True)


def test_people_who_recover_and_overdose_reversal_kits_and_us_centers():
    from framing.concepts import concepts_in
    assert concepts_in("Dead people don't recover, the nurse said.") == ["RECOVERY"]
    assert concepts_in("The firm expects to recover the costs next year.") == []
    assert concepts_in("Volunteers handed out opioid antagonist rescue kits.") == ["HARM_REDUCTION"]
    assert "HARM_REDUCTION" in found("The council wants to bring these centers to the city.", site=True)


@pytest.mark.parametrize("text, marker", [
    # the object list of "provide" runs on past the site's own supplies
    ("The consumption rooms provide clean syringes, wound care, a nurse's advice and referrals to detox.",
     "provides"),
    ("The overdose prevention site would give visitors access to clean supplies, a nurse on every shift and "
     "treatment referrals.", "uptake"),
])
def test_a_site_whose_list_of_services_runs_on_to_treatment_links_them(text, marker):
    verdict = rule(text, HT)
    assert verdict.label == "complementary"
    assert marker in names(verdict)


@pytest.mark.parametrize("text", [
    "Riverton to open a detox hub as its supervised consumption site closes",
    "A temporary treatment hub opens downtown after two supervised consumption sites close",
    "The clinic is opening a treatment hub as part of the province's plan to close supervised consumption sites.",
    "Officials praised the closure of the overdose prevention site and opened residential treatment beds.",
])
def test_a_site_closing_while_treatment_opens_is_opposition(text):
    verdict = rule(text, HT)
    assert verdict.label == "opposition"
    assert "refusal" in names(verdict)


def test_a_denied_refusal_and_the_progressive_party_are_no_closure_or_link():
    assert rule("Recovery groups did not oppose the overdose prevention site; they cheered it on.", HR).label != \
        "opposition"
    progressive = rule("The Progressive Conservative plan to expand treatment beds sits by the consumption site.", HT)
    assert "connect_to" not in names(progressive)


@pytest.mark.parametrize("text, words", [
    ("Volunteers at the van handed out clean supplies all winter.", "the van"),
    ("Instead of safe sites where people can use, the mayor wants more detox beds.", "safe sites"),
    ("The bill would give users supervised facilities to inject in.", "supervised facilities"),
    ("What the council wants from supervised sites is a nurse on every shift.", "supervised sites"),
    ("Critics say these spaces draw dealers to the block.", "these spaces"),
])
def test_mobile_sites_safe_sites_and_these_spaces_are_site_descriptions(words, text):
    assert found(text)["HARM_REDUCTION"] == words
    assert "HARM_REDUCTION" not in found("Police vans blocked the street.")
    assert "HARM_REDUCTION" not in found(text, site=False)  # only in a document that names a site


@pytest.mark.parametrize("text, words", [
    ("A mobile site will open beside the bus depot on Monday.", "A mobile site"),
    ("One site is planned for the harbour district, the health authority said.", "One site"),
    ("Sites must keep a nurse on every shift and log every visit.", "Sites"),
    ("The minister cited the closures of sites in two northern towns.", "sites"),
    ("Twelve locations will close by spring, the ministry said.", "Twelve locations"),
    ("The program moved into the trailer behind the library last week.", "the trailer"),
])
def test_indefinite_and_bare_sites_count_in_a_site_document(words, text):
    assert found(text)["HARM_REDUCTION"] == words
    assert "HARM_REDUCTION" not in found(text, site=False)  # only in a document that names a site


@pytest.mark.parametrize("text", [
    "The clinic is within 200 metres of two school sites.",
    "Construction sites downtown were closed for the holiday.",
    "Heritage sites draw visitors to the old town.",
])
def test_sites_after_another_modifier_are_no_site(text):
    assert "HARM_REDUCTION" not in found(text)


def test_heroin_assisted_therapy_is_treatment():
    assert found("Zurich paired its injection rooms with heroin-assisted therapy.")["TREATMENT"] == \
        "heroin-assisted therapy"


def test_a_need_said_once_for_each_concept_joins_them():
    verdict = rule("We need harm reduction, and yes, we need treatment beds in this town.", HT)
    assert verdict.label == "complementary" and "need_both" in names(verdict)


def test_whom_a_site_serves_is_no_stance_and_a_dash_not_sets_apart():
    served = rule("Overdose prevention sites save the lives of people who are not yet ready to enter treatment.", HT)
    assert served.label == "neutral" and served.features.get("population") == 1.0
    dash = rule("Get people into detox – not into a supervised consumption site, the councillor said.", HT)
    assert dash.label == "opposition" and "comma_not" in names(dash)


def test_money_for_one_that_should_go_to_the_other_prefers_it():
    verdict = rule("Dollars earmarked for the injection site should be spent on residential treatment, the letter "
                   "argued.", HT)
    assert verdict.label == "opposition" and "better_spent" in names(verdict)


def test_opposing_a_plan_for_both_is_no_rivalry_between_them():
    both = rule("Neighbours signed a petition opposed to a plan to build a supervised consumption site and detox "
                "centre on Elm Street.", HT)
    assert both.label != "opposition" and "tension" not in names(both)
    one = rule("Neighbours opposed the supervised consumption site but welcomed the detox centre.", HT)
    assert one.label == "opposition"


@pytest.mark.parametrize("text, marker", [
    ("The ministry confirmed the conversion of four overdose prevention sites while improving access to "
     "addiction treatment.",
     "refusal"),
    ("The treatment hub on King Street is one of five that transitioned from an overdose prevention site to a "
     "provincially approved hub.", "shift_away_from"),
])
def test_a_site_converted_or_transitioned_away_is_opposition(text, marker):
    verdict = rule(text, HT)
    assert verdict.label == "opposition" and marker in names(verdict)


def test_ending_up_in_treatment_is_no_closure_and_a_leader_is_no_link():
    ended = rule("Regulars of the injection site often end up in treatment, staff said.", HT)
    assert "refusal" not in names(ended)
    leader = rule("The party leader was on board with keeping the consumption sites and adding recovery housing.", HR)
    assert "connect_to" not in names(leader)


@pytest.mark.parametrize("text, concept, words", [
    ("The clinic hands out safe drug supply from a trailer.", "HARM_REDUCTION", "safe drug supply"),
    ("They will strengthen overdoses prevention services downtown.", "HARM_REDUCTION", "overdoses prevention"),
    ("A consumption and treatment centre opened in the east end.", "HARM_REDUCTION",
     "consumption and treatment centre"),
    ("Since spring the team has run a substitution programme.", "TREATMENT", "substitution programme"),
    ("The service aims to treat individuals suffering from opioid addiction.", "TREATMENT",
     "treat individuals suffering from opioid addiction"),
    ("The charity wants fix rooms for heroin users in the capital.", "HARM_REDUCTION", "fix rooms"),
    ("The Safepoint on Main Street opens at seven.", "HARM_REDUCTION", "Safepoint"),
    # the passive of treating addiction
    ("We must make sure people who are addicted to drugs are treated quickly.", "TREATMENT",
     "addicted to drugs are treated"),
    ("It neglects the duty to treat people dependent on drugs.", "TREATMENT", "treat people dependent on drugs"),
])
def test_variants_of_names_in_news(text, concept, words):
    assert found(text)[concept] == words


def test_other_therapies_trauma_and_sobering_centres_are_not_concepts():
    assert "TREATMENT" not in found("She began hormone replacement therapy last year.")
    assert "RECOVERY" not in found("The loss makes it hard for everyone to recover from this.")
    assert "RECOVERY" in found("We want people to recover from addiction.")
    assert "HARM_REDUCTION" not in found("The sobering center offers cots and showers.")


@pytest.mark.parametrize("text, pair", [
    # a head noun closes the first item and a modifier opens the next: still one list
    ("Opponents argue the grant would be better spent on recovery, residential detox programmes, and youth "
     "outreach.", TR),
    ("The council says the levy is better spent on detox models and naloxone kits.", HT),
])
def test_lists_with_head_nouns_and_names_with_displacement_words_are_no_rivalry(text, pair):
    verdict = rule(text, pair)
    assert verdict.label == "neutral" and "plain_list" in names(verdict)


def test_the_name_of_a_treatment_that_says_substitution_replaces_nothing():
    verdict = rule("The package adds opioid substitution therapy, wider access to naloxone and heroin-assisted "
                   "treatment.", HT)
    assert verdict.label != "opposition" and "replace" not in names(verdict)


def test_being_in_favour_and_the_drug_trade_are_no_preference_or_swap():
    favour = rule("The mayor is in favor of such sites, since nobody gets into rehab after a fatal overdose at "
                  "home.", HT)
    assert "in_favour_of" not in names(favour)
    assert "in_favour_of" in names(rule(
        "The province scrapped the injection site in favour of residential treatment.", HT))
    trade = rule("Early treatment programs, a reaction to the drug trade in the sixties, were built on abstinence.", TR)
    assert "replace" not in names(trade)


def test_a_place_where_people_can_seek_the_other_links_them():
    verdict = rule("The overdose prevention site is a storefront where clients can get help planning their "
                   "recovery.", HR)
    assert verdict.label == "complementary" and "place_where" in names(verdict)


def test_a_hub_that_will_not_be_able_to_distribute_harm_reduction_refuses_it():
    verdict = rule("While the new hub will not be able to distribute harm reduction kits, it will offer addiction "
                   "treatment.", HT)
    assert verdict.label == "opposition" and "refusal" in names(verdict)


@pytest.mark.parametrize("text, pair", [
    ("The pilot injection room has come under fire as only 2.4% of visits led to treatment referrals.", HT),
    ("Few of the injection room's regulars are ever persuaded to enter treatment, the editorial claimed.", HT),
    ("Critics said the overdose prevention site failed to get many visitors into recovery programs.", HR),
])
def test_a_link_that_almost_never_happens_is_opposition(text, pair):
    verdict = rule(text, pair, site=True)
    assert verdict.label == "opposition"
    assert rule(text.replace("only 2.4% of", "many").replace("Few of", "Many of").replace("failed to get many",
                                                                                        "helped many"),
                pair, site=True).label == "complementary"


@pytest.mark.parametrize("text, words", [
    ("Two CTS sites in the region will close in March.", "CTS"),
    ("Staff at the SCTS on Bank Street saw a rise in visits.", "SCTS"),
])
def test_the_abbreviation_of_consumption_and_treatment_services_names_both_concepts(text, words):
    got = ConceptDetector().detect(text)
    assert {m.concept for m in got if m.text == words} >= {"HARM_REDUCTION", "TREATMENT"}
    # the name alone relates nothing
    assert rule(text, HT).label == "neutral"


@pytest.mark.parametrize("text, label, marker", [
    ("The province said the CTS sites will be replaced with HART hubs next spring.", "opposition", "replace"),
    ("As the CTS site has closed, the new HART hub has opened.", "opposition", "refusal"),
    ("The CTS connects people to addiction treatment and primary care.", "complementary", "connect_to"),
])
def test_a_site_name_carrying_treatment_stands_for_the_site_beside_other_treatment(text, label, marker):
    verdict = rule(text, HT)
    assert verdict.label == label and marker in names(verdict)


def test_a_treatment_word_inside_a_site_name_does_not_relate_treatment_to_recovery():
    verdict = rule("The CTS will be replaced with new Homelessness and Addiction Recovery Treatment hubs.", TR)
    assert "replace" not in names(verdict)


def test_addicts_treated_like_criminals_is_no_treatment():
    assert "TREATMENT" not in found("Too often addicts are treated like criminals by the courts.")


def test_a_marker_word_inside_a_committee_name_or_a_naming_verb_relates_nothing():
    joint = rule("On Monday the Joint Committee on Mental Health and Recovery hears the harm reduction bill.", HR)
    assert "together" not in names(joint)
    assert "together" in names(rule("Harm reduction and recovery work together in the new plan.", HR))
    named = rule("The new hubs, which will be referred to as treatment and recovery centres, open in May.", TR)
    assert "connect_to" not in names(named)


@pytest.mark.parametrize("text, pair, marker", [
    ("The injection room offers clean needles, drug checking and referrals for treatment.", HT, "connect_to"),
    ("Treatment gives people the support they need to achieve lasting recovery.", TR, "means_to"),
])
def test_referrals_for_and_the_means_to_an_end_link_the_two(text, pair, marker):
    verdict = rule(text, pair, site=True)
    assert verdict.label == "complementary" and marker in names(verdict)
    negated = rule("Harm reduction does not help people achieve recovery.", HR)
    assert negated.label == "opposition"


def test_a_closing_said_after_a_parenthesis_still_refuses_the_site():
    text = ("The minister said eight consumption sites (Hamilton (2), Sudbury, Barrie, Kingston, Brant) will close "
            "as the province turns to addiction treatment.")
    verdict = rule(text, HT)
    assert verdict.label == "opposition" and "refusal" in names(verdict)


@pytest.mark.parametrize("text", [
    "Outreach nurses at the injection site help in finding shelter, detox beds and addiction treatment.",
    "Studies show such a site can increase rates of treatment among its regular visitors.",
])
def test_helping_people_find_the_other_or_raising_its_rates_is_uptake(text):
    verdict = rule(text, HT, site=True)
    assert verdict.label == "complementary" and "uptake" in names(verdict)


def test_a_site_that_complements_the_other_is_complementary():
    verdict = rule("The injection rooms complement existing prevention, harm reduction and treatment services.", HT)
    assert verdict.label == "complementary" and "integrated" in names(verdict)


@pytest.mark.parametrize("text, words", [
    ("The room gives visitors a safe, hygienic space where they can inject under a nurse's eye.",
     "safe, hygienic space where they can inject"),
    ("Activists want a safe place to use for everyone on the street.", "safe place to use"),
    ("Volunteers were handing out needles behind the library.", "handing out needles"),
    ("Here people may take their drugs in a safe and supervised environment.",
     "take their drugs in a safe and supervised environment"),
])
def test_sites_described_by_what_they_offer_and_needles_handed_out_are_harm_reduction(text, words):
    assert found(text, site=False)["HARM_REDUCTION"] == words


def test_a_safe_place_to_use_the_toilet_is_no_site():
    assert "HARM_REDUCTION" not in found("The library is a safe place to use the toilet and the internet.", site=False)


def test_onsite_the_detox_centre_is_a_name_not_on_site():
    assert "HARM_REDUCTION" not in found("He went through detox at Onsite last spring.")
    assert "HARM_REDUCTION" in found("Nurses are onsite at all hours.")


def test_determine_is_no_deterrent_and_a_closing_after_but_belongs_to_its_own_clause():
    study = rule("The city ran a study to determine the need for an injection site and for addiction treatment.", HT)
    assert "undermine" not in names(study)
    assert "undermine" in names(rule("Critics say the injection site will deter people from addiction treatment.", HT))
    beds = rule("Detox is the first step for many in recovery, but the town's detox beds have been closed since May.", TR)
    assert "refusal" not in names(beds) and beds.label == "complementary"


def test_a_safe_consumption_and_treatment_centre_is_one_name_and_battling_a_crisis_is_no_rivalry():
    text = "Plans to open a safe consumption and treatment centre to help battle the town's opioid crisis are moving."
    assert found(text)["HARM_REDUCTION"] == "safe consumption and treatment centre"
    verdict = rule(text, HT)
    assert verdict.label == "neutral" and "tension" not in names(verdict)
    assert "tension" in names(rule("The battle between harm reduction and treatment goes on.", HT))


def test_speaking_in_favour_and_enabling_an_agency_to_operate_are_no_stance_against():
    spoke = rule("Addiction treatment specialists have spoken in favor of a bill to allow injection sites.", HT)
    assert "in_favour_of" not in names(spoke)
    permit = rule("Council approved a permit enabling Recovery Alberta to operate a clinic beside the injection site.", HR)
    assert "enables_drug_use" not in names(permit)
    assert "enables_drug_use" in names(rule("Critics call the injection site enabling, not recovery.", HR))


def test_two_concepts_on_one_name_are_ordered_by_concept_whatever_the_input_order():
    from framing.relations import Span, as_spans
    hr, tr = Span("HARM_REDUCTION", 4, 7), Span("TREATMENT", 4, 7)
    assert as_spans([tr, hr]) == as_spans([hr, tr]) == [hr, tr]


@pytest.mark.parametrize("text, pair, marker", [
    ("Nurses at the injection site put regulars in touch with the local recovery community.", HR, "connect_to"),
    ("Outreach at the overdose prevention site can move some visitors a step closer to detox.", HT, "path_to"),
    ("The province's plan moves people from detox into recovery housing within a month.", TR, "connect_to"),
    ("A former client credits the injection site for his recovery.", HR, "credited_for"),
    ("We fund harm reduction, but also residential treatment for those who want it.", HT, "but_also"),
    ("The supervised consumption service assists with addiction treatment referrals.", HT, "provides"),
    # a purpose clause, help "to get treatment", being "pressured into" it
    ("Harm reduction keeps people alive so they can eventually recover.", HR, "means_to"),
    ("Nurses at the injection site say it helps to get treatment for the people who use it.", HT, "uptake"),
    ("At the injection site regulars are pressured into detox programmes by the staff.", HT, "uptake"),
])
def test_news_forms_of_linkage_are_complementary(text, pair, marker):
    verdict = rule(text, pair, site=True)
    assert verdict.label == "complementary" and marker in names(verdict)


def test_a_break_inside_a_relative_clause_aside_does_not_cut_the_subject_off_its_verb():
    text = ("Injection sites, which are legal in Canada but banned in most states, encourage enrolment in "
            "methadone treatment.")
    verdict = rule(text, HT)
    assert verdict.label == "complementary" and "uptake" in names(verdict)
    # without the commas of an aside, "but" still ends the clause: the subject is cut off
    cut = rule("Injection sites are legal in Canada but they encourage enrolment in methadone treatment.", HT)
    assert "uptake" not in names(cut)


@pytest.mark.parametrize("text, words", [
    ("The clinic down the road is treating its clients with pills for addiction.",
     "treating its clients with pills for addiction"),
    ("Opioid addiction is a treatable condition, the doctor said.", "addiction is a treatable"),
    ("The plan pays for rehabilitating people who have become addicted.",
     "rehabilitating people who have become addicted"),
    ("The council will widen access to pharmacotherapy across the city.", "pharmacotherapy"),
])
def test_treating_addiction_in_news_wording_is_treatment(text, words):
    assert found(text, site=False)["TREATMENT"] == words


@pytest.mark.parametrize("text", [
    "Figures show the injection site has referred no visitors to residential treatment this year.",
    "Critics fear the injection site would lower users' motivation to seek treatment.",
])
def test_a_link_made_for_nobody_or_lowered_is_opposition(text):
    verdict = rule(text, HT, site=True)
    assert verdict.label == "opposition"
    # the same link made, without the "no" or the lowering, is complementary
    assert rule(text.replace("no visitors", "many visitors").replace("lower", "raise"), HT, site=True).label \
        == "complementary"


def test_treating_recovery_as_a_goal_does_not_swallow_recovery_into_a_treatment_mention():
    text = "The service treats recovery as the goal of every addiction programme it runs."
    assert "RECOVERY" in found(text, site=False)


def test_an_opioid_substitution_medicine_replaces_nothing_and_its_plural_is_treatment():
    text = "The injection room sits beside an opioid substitution clinic run by the same charity."
    assert "replace" not in names(rule(text, HT))
    assert found("Doctors widened access to opioid substitution treatments.", site=False)["TREATMENT"] \
        == "opioid substitution treatments"


def test_people_who_cannot_achieve_abstinence_are_whom_the_site_serves_not_a_refusal():
    text = "The injection room was set up for long-term users who cannot achieve abstinence on their own."
    verdict = rule(text, HR)
    assert "refusal" not in names(verdict) and verdict.label != "opposition"
    assert rule("The new hubs will not offer abstinence support to injection site clients.", HR).label == "opposition"


@pytest.mark.parametrize("text, words", [
    ("Staff there try to keep people alive long enough to recover.", "enough to recover"),
    ("He lost his job and his flat but never his will to fight, his desire to recover.", "desire to recover"),
])
def test_the_will_or_chance_to_recover_is_recovery(text, words):
    assert found(text, site=False)["RECOVERY"] == words


def test_the_economy_expected_to_recover_is_no_recovery():
    assert "RECOVERY" not in found("Prices are expected to recover by spring.", site=False)


def test_removing_a_site_refuses_it_but_removing_barriers_to_treatment_does_not():
    removed = rule("The council asked the province to remove the injection site and fund more recovery beds.", HR)
    assert removed.label == "opposition" and "refusal" in names(removed)
    barriers = rule("The injection site is removing barriers to treatment for its clients.", HT)
    assert "refusal" not in names(barriers)


def test_few_people_referred_for_treatment_is_a_failing_link():
    text = "Only 4 per cent of the injection site's visitors were referred for addiction treatment last year."
    verdict = rule(text, HT)
    assert verdict.label == "opposition" and "connect_to" in names(verdict)
    assert rule(text.replace("Only 4 per cent of", "Many of"), HT).label == "complementary"


def test_not_only_adds_and_denies_nothing():
    text = "For its regulars the injection site not only provides treatment, it is also a place of respect."
    verdict = rule(text, HT)
    assert verdict.label == "complementary" and not any(m.negated for m in verdict.markers)
    denied = rule(text.replace("not only provides", "does not provide"), HT)
    assert denied.label == "opposition"


def test_a_refusing_verb_ends_at_the_next_gerund_of_a_list():
    listed = rule("Backers of the injection site cite fewer needles on the street, stopping overdoses, "
                  "giving access to treatment and a warm place to sit.", HT)
    assert "refusal" not in names(listed)
    refused = rule("The council voted for stopping treatment referrals at the injection site.", HT)
    assert refused.label == "opposition" and "refusal" in names(refused)


def test_a_pair_on_both_sides_of_a_two_sided_marker_is_not_set_apart_by_it():
    # recovery and treatment before "located within" and both inside the hub's name after it: no co-location
    text = ("The plan improves access to recovery and treatment services by moving two injection sites located "
            "within 200 metres of schools into Addiction Recovery Treatment Hubs.")
    assert "co_located" not in names(rule(text, TR))
    assert "co_located" in names(rule("The injection site is located within the recovery centre.", HR))


@pytest.mark.parametrize("text,words", [
    ("The ruling lets the city open a site where people can use drugs under medical supervision.",
     "site where people can use drugs"),
    ("The bill lets counties run these programs, where adults may use controlled substances under watch.",
     "programs, where adults may use controlled substances"),
])
def test_a_site_glossed_by_the_use_it_allows_is_a_site(text, words):
    assert found(text, site=False)["HARM_REDUCTION"] == words


def test_a_place_where_people_happen_to_use_drugs_is_no_site():
    assert "HARM_REDUCTION" not in found("The park where people use drugs is next to the school.", site=False)


def test_a_waived_condition_of_abstinence_is_no_stance_but_a_required_one_is_opposition():
    waived = rule("Harm reduction aims to cut the harms of drug use without requiring abstinence.", HR)
    assert waived.label == "neutral" and "only_one_way" in names(waived)
    assert rule("The recovery house requires abstinence, so harm reduction clients are turned away.", HR).label \
        == "opposition"
    linked = rule("The injection site works without requiring abstinence, and staff connect people to recovery "
                  "coaches.", HR)
    assert linked.label == "complementary"


def test_a_list_of_what_a_site_does_relates_its_lead_in_to_its_items():
    from framing.analyze import analyze
    text = ("Riverbend's supervised injection site opened in May.\nIn its first year the site:\n"
            "- reversed 80 overdoses\n- referred 40 visitors to addiction treatment programs")
    units = analyze([{"id": "a", "text": text}], progress=False)
    listed = units[units["text"].str.startswith("In its first year")]
    assert len(listed) == 1 and set(listed.iloc[0]["pairs"]) == {HT}


@pytest.mark.parametrize("text, concept, words", [
    ("Zurich added medically assisted heroin distribution in 1994.", "TREATMENT",
     "medically assisted heroin distribution"),
    ("The building has a substance use stabilization floor and a shelter.", "TREATMENT",
     "substance use stabilization"),
    ("Staff there also offer support for getting clean.", "RECOVERY", "getting clean"),
    ("She stayed clean for two years after leaving the shelter.", "RECOVERY", "stayed clean"),
])
def test_news_words_for_treatment_and_recovery(text, concept, words):
    assert found(text, site=False)[concept] == words


def test_getting_clean_needles_is_kit_not_recovery():
    assert "RECOVERY" not in found("Visitors can get clean needles and naloxone at the van.", site=False)


def test_a_hub_that_will_not_have_the_site_service_refuses_it():
    verdict = rule("The new treatment hubs will have detox and counselling, but will not have supervised "
                   "consumption.", HT)
    assert verdict.label == "opposition" and "refusal" in names(verdict)
    assert "refusal" not in names(rule("With the treatment hub next door, visitors will not have to leave the "
                                       "supervised consumption site to find counselling.", HT))


def test_a_site_that_will_not_have_to_close_is_not_shut_down():
    kept = rule("The overdose prevention site will not have to close, and the treatment clinic upstairs stays open.",
                HT)
    assert "refusal" not in names(kept)
    closed = rule("The overdose prevention site is to close, and the treatment clinic upstairs stays open.", HT)
    assert "refusal" in names(closed)


def test_a_part_of_something_that_is_no_concept_links_nothing():
    loose = rule("As part of the province's budget plan, the city will fund the injection site and new detox beds.", HT)
    assert "integrated" not in names(loose)
    whole = rule("The injection site is part of a recovery-oriented system of care.", HR)
    assert whole.label == "complementary" and "integrated" in names(whole)


def test_partners_as_organisations_are_no_integration_but_partnering_with_is():
    assert "integrated" not in names(rule("The injection site thanked its organizational partners and the detox "
                                          "centre.", HT))
    assert "integrated" in names(rule("The injection site partners with a detox centre across the street.", HT))


def test_a_denied_belief_does_not_deny_the_disparaging_words_that_open_its_clause():
    verdict = rule("The governor said he does not believe that enabling drug use at injection sites, with no "
                   "requirement to enter treatment, will reduce addiction.", HT)
    enabling = [m for m in verdict.markers if m.name == "enables_drug_use"]
    assert enabling and not enabling[0].negated and verdict.label == "opposition"
    # a denial of the predicate itself still flips it
    denied = rule("Injection sites are not enabling drug use; they get people into treatment.", HT)
    assert [m.negated for m in denied.markers if m.name == "enables_drug_use"] == [True]


@pytest.mark.parametrize("text, words", [
    ("The city asked for a consumption room including therapy offers for those who want them.", "therapy offers"),
    ("Beds in a therapeutic community are scarce.", "therapeutic community"),
    ("She was referred on to residential therapy in the spring.", "residential therapy"),
    ("He started on Buvidal injections last year.", "Buvidal"),
])
def test_therapy_named_as_addiction_care_is_treatment(text, words):
    assert found(text, site=False)["TREATMENT"] == words


def test_therapy_for_other_conditions_is_not_treatment():
    assert "TREATMENT" not in found("The clinic offers physical therapy and speech therapy.", site=False)


@pytest.mark.parametrize("text", [
    "The minister called the injection site crucial to the response, just as addiction treatment is.",
    "Treatment is just as important as harm reduction, the nurse said.",
    "Rehab, education and harm reduction each have their place in a sound drug policy.",
])
def test_two_held_equally_needed_are_complementary(text):
    verdict = rule(text, HT)
    assert verdict.label == "complementary" and "together" in names(verdict)


def test_a_site_shelved_or_held_off_while_the_other_goes_ahead_is_refused():
    held = rule("The state funded recovery homes but held off on supervised consumption sites.", HR)
    assert held.label == "opposition" and "refusal" in names(held)
    shelved = rule("The council shelved the injection site and opened ten detox beds.", HT)
    assert shelved.label == "opposition" and "refusal" in names(shelved)


def test_have_as_an_auxiliary_refuses_nothing():
    verdict = rule("Without the injection site I would not have met the nurse who got me into treatment.", HT)
    assert "refusal" not in names(verdict) and verdict.label == "complementary"


def test_two_concepts_called_partners_are_integrated():
    verdict = rule("Recovery and harm reduction are partners in this city.", HR)
    assert "integrated" in names(verdict) and verdict.label == "complementary"
