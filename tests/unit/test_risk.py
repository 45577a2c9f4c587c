"""Risk signals: the word patterns with negation, the combination with the model, who a
message is about, what the person reads, and what is stored (bot/risk)."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clarify import Ranked
from bot.clock import SCHOOL_TIMEZONE
from bot.db.models import Guardian, Handoff, OutboxMessage, RiskFlag, Student
from bot.escalation.deadlines import DeadlinePolicy, deadline, office_is_open
from bot.escalation.handoffs import HandoffView
from bot.identity.linking import link_conversation
from bot.risk.decide import RiskVerdict, decide, verdict_for_text
from bot.risk.patterns import find_signals
from bot.risk.records import RiskReport, report_risk
from bot.risk.replies import RiskSituation, risk_messages
from bot.risk.voice import Voice, voice
from bot.vocabulary import HandoffPriority, LinkMethod, PersonRole, RiskKind
from tests.conftest import person_id

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=SCHOOL_TIMEZONE)
SATURDAY_23 = datetime(2026, 11, 28, 23, 0, tzinfo=SCHOOL_TIMEZONE)
POLICY = DeadlinePolicy()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("ik word elke dag gepest", RiskKind.BULLYING),
        ("kwordt gepesd in de groepsapp", RiskKind.BULLYING),
        ("Ik wil niet meer leven.", RiskKind.ACUTE),
        ("ik zie het echt niet meer zitten", RiskKind.ACUTE),
        ("ik kap ermee", RiskKind.QUITTING),
        ("ik stop met het mbo", RiskKind.QUITTING),
        ("al een week niet op school geweest", RiskKind.ABSENCE),
        ("ik moet werken om de huur te betalen", RiskKind.PRESSURE),
        ("ik ben echt waardeloos", RiskKind.WORTHLESS),
        ("ik kan niet meer", RiskKind.EXHAUSTION),
        ("mijn vader slaat me", RiskKind.UNSAFE_HOME),
        ("ik voel me zo alleen", RiskKind.DISTRESS),
        ("het gaat slecht", RiskKind.DISTRESS),
        (
            "het gaat eigenlijk best slecht met alles en ik weet niet wat ik moet doen",
            RiskKind.DISTRESS,
        ),
        ("gaat kut", RiskKind.DISTRESS),
        ("het gaat niet goed", RiskKind.DISTRESS),
        ("i want to die", RiskKind.ACUTE),
        ("waar zie ik mezelf over 5 jaar? denk niet dat ik er dan nog ben", RiskKind.ACUTE),
        ("soms denk ik op het perron: gewoon een stap naar voren", RiskKind.ACUTE),
        ("hij liet me zien hoe je een strop knoopt", RiskKind.ACUTE),
        ("ik vond een briefje waarin hij afscheid van ons nam", RiskKind.ACUTE),
        ("ik heb de slaappillen van oma geteld", RiskKind.ACUTE),
        ("al 5x de rekenlessen overgeslagen", RiskKind.ABSENCE),
        ("hoelang kun je een ziekmelding volhouden", RiskKind.ABSENCE),
        ("als ik zak ga ik van het dak", RiskKind.ACUTE),
        ("er ligt een touw op zolder klaar", RiskKind.ACUTE),
        ("mn armen zitten vol sneetjes", RiskKind.ACUTE),
        ("ugh kms", RiskKind.ACUTE),
        ("ik vertrouw mezelf vannacht niet", RiskKind.ACUTE),
        ("er is voor mij geen uitweg meer", RiskKind.ACUTE),
        ("iedereen heeft last van mij, het is beter als ik weg ben", RiskKind.ACUTE),
        ("ik ben een last voor mn ouders", RiskKind.ACUTE),
        ("ik wou dat mn lichaam gewoon ophoudt", RiskKind.ACUTE),
        ("ik drink expres niks meer", RiskKind.ACUTE),
        ("opa is overleden en ik wil naar hem toe", RiskKind.ACUTE),
        ("het boeit me niet meer of ik doodga", RiskKind.ACUTE),
        ("hij zegt dat het hem niks uitmaakt als hij doodgaat", RiskKind.ACUTE),
        ("als ik iets zeg in de les word ik nagedaan", RiskKind.BULLYING),
        ("ik werk naast school om de energierekening thuis te betalen", RiskKind.PRESSURE),
        ("ik lig elke nacht tot 4 uur wakker van alles", RiskKind.EXHAUSTION),
        ("ik maak mn mbo gewoon niet af", RiskKind.QUITTING),
        ("wat als ik mn opleiding niet afmaak? heb er geen zin meer in", RiskKind.QUITTING),
    ],
)
def test_words_of_each_kind_are_a_signal(text, kind):
    verdict = verdict_for_text(text)
    assert verdict is not None and kind in verdict.kinds


@pytest.mark.parametrize(
    "text",
    [
        "ik word niet gepest",
        "nee hoor, ik word niet gepest",
        "niemand pest mij",
        "ik spijbel niet",
        "ik heb nooit gespijbeld",
        "hoe stop ik mijn studentenreisproduct",
        "ik ga dood van het lachen",
        "wanneer stop ik met het vmbo en begin ik op het mbo",
        "dat examen was doodsimpel",
        "in de 2e werd ik gepest maar dat is helemaal over sinds ik op een andere school zit",
        "vorig jaar wou ik stoppen maar nu ben ik super gemotiveerd",
        "elke ochtend schopt mn moeder me mn bed uit voor de bus",
        "wat als ik toch niet naar het hbo wil",
        "kan mijn dochter nog stoppen met het toptraject",
        "ik ben dood moe en wil weten wanneer de examens beginnen",
        "op het goede spoor zitten met mijn planning",
        "mijn broer is vorig jaar gestopt met school, hoe zit dat met zijn ov",
        "het gaat niet slecht",
        "het gaat goed",
    ],
)
def test_negated_and_harmless_words_are_no_signal(text):
    assert verdict_for_text(text) is None


def test_a_relative_who_stopped_takes_away_only_their_own_sentence():
    verdict = verdict_for_text("mijn broer is gestopt met school. ik wil ook stoppen met school")
    assert verdict is not None and verdict.kind is RiskKind.QUITTING


def test_a_negation_reaches_only_its_own_clause():
    verdict = verdict_for_text("ik word niet gepest maar ik wil wel stoppen met school")
    assert verdict is not None and verdict.kinds == (RiskKind.QUITTING,)
    signals = {(s.kind, s.negated) for s in find_signals("ik word niet gepest, maar ik huil veel")}
    assert (RiskKind.BULLYING, True) in signals and (RiskKind.DISTRESS, False) in signals


def test_the_most_serious_kind_leads():
    verdict = verdict_for_text("ik word gepest en soms wil ik dood")
    assert verdict.kind is RiskKind.ACUTE and RiskKind.BULLYING in verdict.kinds
    assert verdict.priority is HandoffPriority.URGENT


def risk_model(confidence: float, kind: str, kind_confidence: float = 0.9):
    """The classifier's ranking (risk and the rest), and the selector's."""
    intents = sorted(
        [Ranked("risk", confidence), Ranked("route", 1 - confidence)],
        key=lambda ranked: ranked.confidence,
        reverse=True,
    )
    return intents, [Ranked(f"risk/{kind}", kind_confidence)]


def test_the_model_alone_is_enough_when_its_two_parts_agree():
    verdict = decide([], *risk_model(0.6, "pressure"))
    assert verdict.kind is RiskKind.PRESSURE and verdict.source == "model"
    # The selector alone, fairly sure, with some support from the classifier.
    assert decide([], *risk_model(0.1, "pressure", 0.5)).kind is RiskKind.PRESSURE
    # The classifier's likeliest intent is risk: enough, unless the selector overrules.
    answers = [Ranked("route/what_is", 0.35), Ranked("risk/distress", 0.3)]
    assert decide([], [Ranked("risk", 0.9)], answers).kind is RiskKind.DISTRESS
    # Risk second, while the selector ranks an ordinary answer first: no.
    intents = [Ranked("route", 0.5), Ranked("risk", 0.46)]
    assert decide([], intents, answers) is None
    assert decide([], *risk_model(0.01, "pressure", 0.5)) is None
    assert decide([], *risk_model(0.2, "pressure", 0.2)) is None


def test_a_sure_ordinary_answer_overrules_the_model_but_not_words_or_acute():
    # "ik haat wiskunde met heel mijn hart 😂 zit dat ook in het toptraject?"
    intents = [Ranked("risk", 0.83), Ranked("route", 0.16)]
    answers = [Ranked("route/building_blocks", 0.45), Ranked("risk/worthless", 0.27)]
    assert decide([], intents, answers) is None
    # the words of a pattern still count
    words = find_signals("ik word gepest")
    assert decide(words, intents, answers).kind is RiskKind.BULLYING
    # and the model's acute is never overruled
    acute = [Ranked("route/building_blocks", 0.45), Ranked("risk/acute", 0.3)]
    assert decide([], intents, acute).kind is RiskKind.ACUTE


def test_the_classifier_alone_needs_some_risk_in_the_selector():
    # "ik daag je uit om te vloeken": the classifier says risk, the selector small talk.
    intents = [Ranked("risk", 0.92), Ranked("goodbye", 0.06)]
    answers = [
        Ranked("chitchat/joke", 0.21),
        Ranked("chitchat/how_are_you", 0.13),
        Ranked("risk/unsafe_home", 0.08),
        Ranked("risk/distress", 0.07),
    ]
    assert decide([], intents, answers) is None
    more = [*answers, Ranked("risk/pressure", 0.12)]
    assert decide([], intents, more) is not None


def test_some_doubt_toward_out_of_scope_and_no_clear_kind_overrule_the_model():
    # "Hoe vraag ik zorgtoeslag aan bij de Belastingdienst? Ik kom er niet uit."
    intents = [Ranked("risk", 0.71), Ranked("out_of_scope", 0.25)]
    answers = [
        Ranked("risk/quitting", 0.15),
        Ranked("risk/absence", 0.1),
        Ranked("risk/acute", 0.1),
        Ranked("risk/exhaustion", 0.07),
    ]
    assert decide([], intents, answers) is None
    # A clear kind, or no doubt at all: the model counts.
    clear = [Ranked("risk/quitting", 0.4), *answers[1:]]
    assert decide([], intents, clear).kind is RiskKind.QUITTING
    assert decide([], [Ranked("risk", 0.96), Ranked("out_of_scope", 0.0)], answers) is not None


def test_the_selector_alone_needs_some_support_from_the_classifier():
    # A retrained selector gave "ik wil graag zien welke gegevens er van mij zijn"
    # risk/acute 0.66 while the classifier gave risk nothing: no crisis lines for that.
    intents = [Ranked("ask_my_data", 0.99), Ranked("risk", 0.001)]
    assert decide([], intents, [Ranked("risk/acute", 0.66)]) is None


def test_one_or_two_words_are_left_to_the_patterns():
    intents, answers = risk_model(0.99, "absence")
    assert verdict_for_text("misschien", intents, answers) is None
    assert verdict_for_text("gisteren dus", intents, answers) is None
    assert verdict_for_text("wil dood", intents, answers).kind is RiskKind.ACUTE
    assert verdict_for_text("het lukt niet meer", intents, answers).kind is RiskKind.ABSENCE


def test_in_english_the_selector_must_be_fairly_sure_too():
    intents = [Ranked("risk", 0.99)]
    weak = [Ranked("risk/acute", 0.26), Ranked("route/other_routes", 0.12)]
    assert decide([], intents, weak, english=True) is None
    assert decide([], intents, weak, english=False) is not None
    assert verdict_for_text("what is the weather like today", intents, weak) is None
    assert verdict_for_text("nobody would miss me if i was gone").kind is RiskKind.ACUTE


def test_a_negated_pattern_holds_back_the_model_unless_it_is_very_sure():
    negated = find_signals("ik word niet gepest")
    assert decide(negated, *risk_model(0.7, "bullying")) is None
    assert decide(negated, *risk_model(0.95, "bullying")).kind is RiskKind.BULLYING


def test_acute_counts_from_a_low_confidence_of_the_model():
    intents = [Ranked("risk", 0.5)]
    answers = [Ranked("risk/distress", 0.6), Ranked("risk/acute", 0.3)]
    assert decide([], intents, answers).kind is RiskKind.ACUTE


def test_a_verdict_read_back_from_the_parse_data_must_be_well_formed():
    verdict = verdict_for_text("ik word gepest")
    assert RiskVerdict.from_dict(verdict.as_dict()) == verdict
    for bad in (None, "acute", {"kind": "hacked"}, {"kind": "low_motivation"}, {}):
        assert RiskVerdict.from_dict(bad) is None


@pytest.mark.parametrize(
    ("text", "guardian", "expected"),
    [
        ("ik word gepest", False, Voice.SELF),
        ("mijn dochter huilt elke avond", False, Voice.PARENT),
        ("mn zoon wil niet meer naar school", False, Voice.PARENT),
        ("hij wil niet meer naar school", True, Voice.PARENT),
        ("mn vriendin wil dood", False, Voice.OTHER),
        ("ik maak me zorgen om mijn broertje", False, Voice.OTHER),
    ],
)
def test_who_a_message_is_about(text, guardian, expected):
    assert voice(text, guardian=guardian) is expected


def view(already_open=False, coordinator="Marieke Hofman", school="CSG Het Noordik"):
    return HandoffView(
        reference="H-ABC234",
        coordinator_name=coordinator,
        school_name=school,
        deadline_at=MONDAY_10 + timedelta(hours=1),
        priority=HandoffPriority.URGENT,
        already_open=already_open,
    )


def situation(kind, voice=Voice.SELF, role=PersonRole.STUDENT, earlier=(), office_open=True):
    return RiskSituation(kind, voice, role, frozenset(earlier), office_open)


def test_acute_risk_always_shows_the_crisis_lines_first():
    for earlier in ((), (RiskKind.ACUTE,)):
        messages = risk_messages(situation(RiskKind.ACUTE, earlier=earlier), view(), MONDAY_10)
        assert "0800-0113" in messages[0] and "112" in messages[0]
    parent = risk_messages(situation(RiskKind.ACUTE, Voice.PARENT), view(), MONDAY_10)
    assert "0800-0113" in parent[0] and "je kind" in parent[0]


def test_a_student_in_distress_feeling_worthless_or_unsafe_at_home_reads_113_too():
    # Thoughts of death often come with these: the crisis line is there, just in case.
    for kind in (RiskKind.DISTRESS, RiskKind.WORTHLESS, RiskKind.UNSAFE_HOME):
        assert "0800-0113" in risk_messages(situation(kind), view(), MONDAY_10)[0]


def test_other_kinds_get_warm_words_once_then_a_short_line():
    first = risk_messages(situation(RiskKind.BULLYING), view(), MONDAY_10)
    assert "gepest" in first[0] and "Marieke Hofman" in first[1] and "H-ABC234" in first[1]
    again = risk_messages(
        situation(RiskKind.BULLYING, earlier=[RiskKind.BULLYING]), view(True), MONDAY_10
    )
    assert len(again) == 1 and "H-ABC234" in again[0]


def test_an_anonymous_student_gets_care_first_and_may_log_in_without_having_to():
    messages = risk_messages(
        situation(RiskKind.DISTRESS, role=None),
        view(coordinator="Esther Nijhuis", school=None),
        MONDAY_10,
    )
    assert "koppelcode" not in messages[0] and "hier in de chat" in messages[1]
    assert "hoeft niet" in messages[-1]


def test_after_office_hours_the_bot_says_so_and_when_someone_looks():
    messages = risk_messages(situation(RiskKind.QUITTING, office_open=False), view(), SATURDAY_23)
    assert any("nu niemand" in message for message in messages)
    assert not office_is_open(SATURDAY_23, POLICY) and office_is_open(MONDAY_10, POLICY)
    # An urgent handoff made at night counts from the next opening.
    assert deadline(SATURDAY_23, HandoffPriority.URGENT, POLICY) == datetime(
        2026, 11, 30, 9, 30, tzinfo=SCHOOL_TIMEZONE
    )


def report(db, conversation, text):
    verdict = verdict_for_text(text)
    return report_risk(
        db,
        conversation,
        RiskReport(verdict, "chat", text, f"Gebruiker: {text}"),
        now=MONDAY_10,
        policy=POLICY,
        default_region="twente",
    )


def test_an_anonymous_student_at_risk_gets_a_flag_and_an_urgent_handoff_to_the_region(db):
    outcome = report(db, "c-anon", "ik wil er niet meer zijn")
    assert outcome.role is None and outcome.earlier_kinds == frozenset()
    (flag,) = db.scalars(select(RiskFlag).where(RiskFlag.conversation_id == "c-anon"))
    handoff = db.get(Handoff, flag.handoff_id)
    assert flag.student_id is None and flag.kind is RiskKind.ACUTE and flag.source == "chat"
    assert handoff.priority is HandoffPriority.URGENT and handoff.reason == "risk"
    assert handoff.category == "acute" and outcome.handoff.coordinator_name == "Esther Nijhuis"


def test_a_parent_s_worry_goes_to_the_child_s_coordinator(db):
    petra = person_id(db, Guardian, "Petra")
    link_conversation(db, "c-petra", via=LinkMethod.CODE, guardian_id=petra)
    outcome = report(db, "c-petra", "mijn dochter wordt gepest en huilt elke avond")
    assert outcome.voice is Voice.PARENT and outcome.role is PersonRole.GUARDIAN
    assert outcome.handoff.coordinator_name == "Marieke Hofman"
    (flag,) = db.scalars(select(RiskFlag).where(RiskFlag.conversation_id == "c-petra"))
    assert (flag.guardian_id, flag.student_id) == (petra, person_id(db, Student, "Sanne"))


def test_a_parent_with_two_children_is_routed_by_the_child_named(db):
    karin = person_id(db, Guardian, "Karin")
    link_conversation(db, "c-karin", via=LinkMethod.CODE, guardian_id=karin)
    report(db, "c-karin", "Lotte wil stoppen met school")
    (flag,) = db.scalars(select(RiskFlag).where(RiskFlag.conversation_id == "c-karin"))
    assert flag.student_id == person_id(db, Student, "Lotte")


def test_a_second_signal_joins_the_open_handoff_and_its_coordinator_hears_of_it(db):
    sanne = person_id(db, Student, "Sanne")
    link_conversation(db, "c-sanne", via=LinkMethod.CODE, student_id=sanne)
    first = report(db, "c-sanne", "ik word gepest")
    second = report(db, "c-sanne", "en ik heb geen geld voor de bus")
    assert second.handoff.reference == first.handoff.reference and second.handoff.already_open
    assert second.earlier_kinds == {RiskKind.BULLYING}
    handoff = db.scalar(select(Handoff).where(Handoff.reference == first.handoff.reference))
    # The label keeps the more serious kind (RiskKind's order); the coordinator still
    # hears of the new one.
    assert handoff.category == "bullying"
    events = [m.idempotency_key for m in db.scalars(select(OutboxMessage))]
    assert any("handoff.risk.pressure" in key for key in events)
    assert len(db.scalars(select(RiskFlag).where(RiskFlag.student_id == sanne)).all()) == 2


def test_without_a_database_the_person_still_gets_the_words_and_the_crisis_lines():
    from bot.risk.replies import unstored_risk_messages

    messages = unstored_risk_messages(RiskKind.ACUTE, Voice.SELF)
    assert "0800-0113" in messages[0] and "0800-0432" in messages[1]
    assert "lukt me nu niet" in messages[1]


def test_in_a_form_the_model_alone_must_be_sure_in_both_parts():
    from bot.risk.decide import holds_in_a_form

    words = verdict_for_text("lukt niet, ik word gepest")
    assert holds_in_a_form(words, [])
    unsure = RiskVerdict(RiskKind.UNSAFE_HOME, (RiskKind.UNSAFE_HOME,), "model", "model 1.00", 1.0)
    weak = [Ranked("risk/unsafe_home", 0.15), Ranked("risk/pressure", 0.14)]
    assert not holds_in_a_form(unsure, weak)
    assert holds_in_a_form(unsure, [Ranked("risk/unsafe_home", 0.6)])


@pytest.mark.parametrize(
    ("text", "unwell"),
    [
        ("meh niet zo goed eigenlijk", True),
        ("😭😭😭", True),
        ("gaat wel, beetje moe", True),
        ("goed hoor!", False),
        ("👍", False),
        ("", False),
    ],
)
def test_a_message_that_sounds_unwell_never_gets_a_cheerful_answer(text, unwell):
    from bot.risk.mood import sounds_unwell

    assert sounds_unwell(text) is unwell
