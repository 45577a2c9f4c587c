"""Answer, ask back or offer a person: the decisions as pure functions."""

from bot.clarify import (
    ANSWER_THRESHOLD,
    FALLBACK_OPTION_CONFIDENCE,
    TENTATIVE_THRESHOLD,
    Decision,
    Ranked,
    clarification_options,
    decide_content_answer,
    decide_fallback,
    fallbacks_in_a_row,
    ranking_instead,
)

KNOWN = {
    "route/studentcoach",
    "route/mhbo",
    "route/hundred_days",
    "route/building_blocks",
    "route/what_is",
    "travel/bus",
    "travel/ov_vmbo",
    "exam/when",
    "exam/registered_vmbo",
}


def ranked(*pairs):
    return [Ranked(name, confidence) for name, confidence in pairs]


def test_a_sure_answer_in_the_predicted_topic_is_given():
    decision = decide_content_answer(
        "route",
        ranked(("route", 0.9)),
        ranked(("route/studentcoach", ANSWER_THRESHOLD + 0.1), ("route/mhbo", 0.2)),
        KNOWN,
    )
    assert decision == Decision(answer_id="route/studentcoach")


def test_a_less_sure_answer_comes_with_the_next_likeliest_answers():
    decision = decide_content_answer(
        "route",
        ranked(("route", 0.7), ("travel", 0.2), ("greet", 0.1)),
        ranked(
            ("route/studentcoach", 0.40),
            ("travel/bus", 0.30),
            ("route/mhbo", 0.20),
            ("route/hundred_days", 0.06),
        ),
        KNOWN,
    )
    assert decision == Decision("route/studentcoach", alternatives=("travel/bus", "route/mhbo"))


def test_a_really_unsure_answer_becomes_a_question_with_the_likeliest_options():
    decision = decide_content_answer(
        "route",
        ranked(("route", 0.7), ("travel", 0.2), ("greet", 0.1)),
        ranked(
            ("chitchat/compliment", 0.8),
            ("route/studentcoach", TENTATIVE_THRESHOLD - 0.01),
            ("travel/bus", 0.07),
            ("exam/when", 0.04),
        ),
        KNOWN,
    )
    assert decision.answer_id is None
    assert decision.options == ("route/studentcoach", "travel/bus")


def test_the_selector_s_best_answer_wins_over_the_predicted_topic():
    # The classifier says route, the selector is sure of a travel answer: measured on
    # blind messages, the selector is right more often.
    decision = decide_content_answer(
        "route",
        ranked(("route", 0.8), ("travel", 0.15)),
        ranked(("travel/bus", 0.9), ("route/mhbo", 0.05)),
        KNOWN,
    )
    assert decision == Decision(answer_id="travel/bus")


def test_unknown_answers_are_never_offered():
    options = clarification_options(
        ranked(("route", 0.9)), ranked(("route/deleted", 0.8), ("route/mhbo", 0.1)), KNOWN
    )
    assert options == ("route/mhbo",)


def test_no_likely_topic_means_offering_a_person():
    decision = decide_content_answer(
        "route", ranked(("route", 0.9)), ranked(("chitchat/compliment", 0.9)), KNOWN
    )
    assert decision == Decision(offer_human=True)


def test_fallback_asks_back_first_and_offers_a_person_after_that():
    intents = ranked(("nlu_fallback", 0.6), ("exam", 0.4), ("route", 0.3))
    answers = ranked(("exam/when", 0.25), ("route/mhbo", 0.2))
    first = decide_fallback(intents, answers, KNOWN, fallbacks_in_a_row=0)
    assert first.options == ("exam/when", "route/mhbo")
    assert decide_fallback(intents, answers, KNOWN, fallbacks_in_a_row=1) == Decision(
        offer_human=True
    )


def test_fallback_about_no_topic_at_all_is_declined_not_asked_back():
    intents = ranked(("nlu_fallback", 0.6), ("out_of_scope", 0.45), ("route", 0.04))
    answers = ranked(("route/mhbo", 0.3))
    assert decide_fallback(intents, answers, KNOWN, fallbacks_in_a_row=0) == Decision()


def test_fallback_is_declined_when_the_selector_barely_believes_any_option():
    # "Wat vindt u van de plannen van de regering om te bezuinigen op onderwijs?"
    intents = ranked(("nlu_fallback", 0.6), ("route", 0.33), ("out_of_scope", 0.22))
    answers = ranked(("route/what_is", FALLBACK_OPTION_CONFIDENCE - 0.04), ("route/mhbo", 0.05))
    assert decide_fallback(intents, answers, KNOWN, fallbacks_in_a_row=0) == Decision()
    answers = ranked(("route/what_is", FALLBACK_OPTION_CONFIDENCE), ("route/mhbo", 0.05))
    decision = decide_fallback(intents, answers, KNOWN, fallbacks_in_a_row=0)
    assert decision.options == ("route/what_is", "route/mhbo")


def test_a_sure_selector_stands_in_for_an_unsure_classifier():
    # "Mijn zoon zit in jaar 4 bijna de hele week op het ROC. Is hij nog vmbo-leerling?"
    intents = ranked(("nlu_fallback", 1.0), ("exam", 0.13), ("ask_my_route", 0.01))
    answers = ranked(("exam/registered_vmbo", 0.94), ("travel/ov_vmbo", 0.01))
    decision = decide_fallback(intents, answers, KNOWN, fallbacks_in_a_row=0)
    assert decision == Decision(answer_id="exam/registered_vmbo")
    # also after an earlier fallback: an answer is better than offering a person
    assert decide_fallback(intents, answers, KNOWN, fallbacks_in_a_row=1) == decision


def test_a_fairly_sure_selector_answers_with_alternatives():
    intents = ranked(("nlu_fallback", 1.0), ("route", 0.2))
    answers = ranked(("route/building_blocks", 0.32), ("route/what_is", 0.1))
    decision = decide_fallback(intents, answers, KNOWN, fallbacks_in_a_row=0)
    assert decision == Decision(answer_id="route/building_blocks", alternatives=("route/what_is",))


def test_no_stand_in_when_the_classifier_gives_another_intent_more():
    intents = ranked(("nlu_fallback", 0.5), ("ask_local_detail", 0.46), ("travel", 0.04))
    answers = ranked(("travel/bus", 0.4))
    decision = decide_fallback(intents, answers, KNOWN, fallbacks_in_a_row=0)
    assert decision.answer_id is None


def test_no_stand_in_below_the_threshold():
    intents = ranked(("nlu_fallback", 1.0), ("travel", 0.3))
    answers = ranked(("travel/bus", 0.27))
    decision = decide_fallback(intents, answers, KNOWN, fallbacks_in_a_row=0)
    assert decision.answer_id is None


def test_fallback_without_any_content_candidate_has_no_options():
    decision = decide_fallback(ranked(("nlu_fallback", 0.6), ("greet", 0.3)), [], KNOWN, 0)
    assert decision == Decision()


def test_fallbacks_in_a_row_counts_until_another_action():
    fallback = {"action_fallback"}
    assert fallbacks_in_a_row([], fallback) == 0
    assert fallbacks_in_a_row(["action_fallback", "utter_greet"], fallback) == 1
    assert fallbacks_in_a_row(["action_fallback", "action_fallback", "x"], fallback) == 2
    assert fallbacks_in_a_row(["action_answer_question", "action_fallback"], fallback) == 0


def test_an_overruled_risk_leaves_the_classifier_s_next_intent_when_it_is_sure_of_it():
    # "elke ochtend schopt mn moeder me mn bed uit voor de bus, wie regelt die bus?"
    intents = ranked(("risk", 0.99), ("travel", 0.0099), ("complaint", 0.0001))
    instead = ranking_instead(intents, ("risk", "nlu_fallback"))
    assert instead[0].name == "travel" and instead[0].confidence > 0.98
    assert abs(sum(r.confidence for r in instead) - 1.0) < 1e-9


def test_no_intent_instead_when_the_rest_is_spread_or_a_goodbye():
    spread = ranked(("risk", 0.9), ("chitchat", 0.05), ("goodbye", 0.03), ("greet", 0.02))
    assert ranking_instead(spread, ("risk",)) is None
    goodbye = ranked(("risk", 0.95), ("goodbye", 0.049), ("thanks", 0.001))
    assert ranking_instead(goodbye, ("risk",)) is None
    assert ranking_instead(ranked(("risk", 1.0)), ("risk",)) is None
