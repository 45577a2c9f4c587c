"""Teaching the bot (issue 19): a missed message is kept as masked text without
identity, labelled by the region's coordinator in the inbox, erased with its
conversation, grouped when it is a new question, and exported as proposed examples in
Rasa's NLU format."""

import json
import re
from datetime import datetime, timedelta, timezone

from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from sqlalchemy import func, select

from bot.db.models import AuditEntry, Coordinator, Region, ReviewMessage, Student
from bot.identity.links import link_conversation
from bot.identity.privacy import erase_personal_data
from bot.teaching.masking import mask_identifiers
from bot.teaching.proposals import merged_with, read_nlu, render_nlu, take_labelled
from bot.teaching.review import (
    NEW_QUESTION,
    group_new_questions,
    keep_for_review,
    label_message,
    review_list,
)
from bot.vocabulary import LinkMethod, ReviewReason, ReviewStatus
from infra.db.session import session_scope
from tests.conftest import person_id
from tests.unit.test_inbox import NOORDIK, REGION, run
from web.review import known_labels

NOW = datetime.now(timezone.utc)


def coordinator(db, email):
    return db.scalar(select(Coordinator).where(Coordinator.email == email))


def keep(db, conversation, text, reason=ReviewReason.FALLBACK, guesses=("route/what_is",)):
    return keep_for_review(
        db, conversation, text, reason, list(guesses), now=NOW, default_region="twente"
    )


def test_identifiers_are_masked_before_a_message_is_kept():
    masked = mask_identifiers(
        "mail me op jan.jansen@example.org of bel 06-12345678, code TT-7KQ-2MV, "
        "vraag H-ABC234, postcode 7511 AB, bsn 123456789, zie https://x.nl/a"
    )
    assert "jan.jansen" not in masked and "[e-mail]" in masked
    assert "06-1234" not in masked and "[telefoon]" in masked
    assert "TT-7KQ" not in masked and "[code]" in masked
    assert "H-ABC234" not in masked and "7511" not in masked and "123456789" not in masked
    assert "https" not in masked
    assert mask_identifiers("wanneer is het 2e tijdvak in 2027") == (
        "wanneer is het 2e tijdvak in 2027"
    )
    # As the chat accepts them too (review of session 16): spaces, lower case, short numbers.
    assert mask_identifiers("tt 7kq 2mv") == "[code]"
    assert mask_identifiers("ik woon op 7511 ab") == "ik woon op [postcode]"
    assert mask_identifiers("leerlingnummer 12345") == "leerlingnummer [getal]"
    assert mask_identifiers("in 2027 ga ik naar het mbo") == "in 2027 ga ik naar het mbo"
    assert len(mask_identifiers("a " * 500)) <= 300


def test_a_missed_message_is_kept_without_identity_for_the_right_region(db):
    anonymous = keep(db, "c-anon", "wat is een pabo")
    twente = db.scalar(select(Region.id).where(Region.code == "twente"))
    assert anonymous.region_id == twente and anonymous.status is ReviewStatus.OPEN
    link_conversation(
        db, "c-sanne", via=LinkMethod.CODE, student_id=person_id(db, Student, "Sanne")
    )
    linked = keep(db, "c-sanne", "mag ik mijn stage in duitsland doen", ReviewReason.ASKED_BACK)
    assert linked.region_id == twente
    # The row holds the text and the conversation id (for erasure), nothing about Sanne.
    columns = {column.name for column in ReviewMessage.__table__.columns}
    assert not columns & {"student_id", "guardian_id", "name", "client_key"}
    assert keep(db, "c-anon", "/request_human") is None and keep(db, "c-anon", "  ") is None


def test_only_the_region_coordinator_labels_with_a_known_answer_or_new_question(db):
    region, school = coordinator(db, REGION), coordinator(db, NOORDIK)
    item = keep(db, "c1", "hoe duur is een ov kaart voor mbo")
    labels = known_labels()
    assert "request_human" in labels and any(label.startswith("travel/") for label in labels)
    assert review_list(db, school) == []
    assert not label_message(db, school, item.id, "request_human", known_labels=labels, now=NOW)
    assert not label_message(db, region, item.id, "no/such_answer", known_labels=labels, now=NOW)
    travel = sorted(label for label in labels if label.startswith("travel/"))[0]
    assert label_message(db, region, item.id, travel, known_labels=labels, now=NOW)
    assert (item.status, item.label) == (ReviewStatus.LABELLED, travel)
    other = keep(db, "c2", "asdf")
    assert label_message(db, region, other.id, None, known_labels=labels, now=NOW)
    assert other.status is ReviewStatus.DISMISSED
    assert [row.id for row in review_list(db, region, ReviewStatus.LABELLED)] == [item.id]
    assert (
        db.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "review_label")
        )
        == 2
    )


def test_new_questions_are_grouped_by_what_they_are_about():
    groups = group_new_questions(
        [
            "mag ik mijn stage in duitsland doen",
            "kan ik stage lopen in het buitenland",
            "stage in belgie mag dat",
            "is er een open dag bij saxion",
            "wanneer is de open dag",
            "hoi",
        ]
    )
    assert [group.count for group in groups] == [3, 2, 1]
    assert groups[0].words == ("stage",)
    assert groups[1].words == ("open",)


def test_labelled_examples_become_a_proposed_nlu_file_in_rasa_format(db, tmp_path):
    region = coordinator(db, REGION)
    labels = known_labels()
    travel = sorted(label for label in labels if label.startswith("travel/"))[0]
    for conversation, said, label in (
        ("c1", "hoe duur is een ov kaart voor mbo", travel),
        ("c2", "hoe duur is een ov kaart voor mbo", travel),  # the same text once
        ("c3", "ik wil een mens", "request_human"),
        ("c4", "open dag saxion", NEW_QUESTION),
    ):
        item = keep(db, conversation, said)
        label_message(db, region, item.id, label, known_labels=labels, now=NOW)
    examples = take_labelled(db, now=NOW)
    assert examples == {
        travel: ["hoe duur is een ov kaart voor mbo"],
        "request_human": ["ik wil een mens"],
    }
    assert take_labelled(db, now=NOW) == {}  # exported once
    path = tmp_path / "proposed.yml"
    path.write_text(render_nlu(merged_with(read_nlu(path), examples)), encoding="utf-8")
    data = RasaYAMLReader().reads(path.read_text(encoding="utf-8"))
    found = {(example.get("intent"), example.get("text")) for example in data.intent_examples}
    assert ("request_human", "ik wil een mens") in found
    # Retrieval intents keep their answer key, as in data/nlu.
    assert any(example.get_full_intent() == travel for example in data.intent_examples)
    again = merged_with(read_nlu(path), {"request_human": ["ik wil een mens", "mens graag"]})
    assert again["request_human"] == ["ik wil een mens", "mens graag"]


def test_review_messages_go_when_the_conversation_is_erased(db):
    sanne = person_id(db, Student, "Sanne")
    link_conversation(db, "c-sanne", via=LinkMethod.CODE, student_id=sanne)
    keep(db, "c-sanne", "iets wat de bot niet snapte")
    keep(db, "c-other", "iets anders")
    erase_personal_data(db, "c-sanne", now=NOW + timedelta(minutes=1))
    left = db.scalars(select(ReviewMessage.conversation_id)).all()
    assert left == ["c-other"]


def test_the_inbox_review_list_labels_a_message_and_groups_new_questions(seeded_database_url):
    with session_scope(seeded_database_url) as session:
        first = keep(session, "c1", "mag ik stage lopen in duitsland").id
        keep(session, "c2", "kan ik mijn stage in belgie doen")

    async def scenario(browser):
        await browser.login(NOORDIK)
        status, body, _ = await browser.get("/inbox/review")
        assert status == 200 and "voor de coördinator van de regio" in body
        assert "stage" not in body
        await browser.client.post("/inbox/logout", data={"csrf": browser.csrf})
        await browser.login(REGION)
        status, body, _ = await browser.get("/inbox/review")
        assert status == 200 and "mag ik stage lopen in duitsland" in body
        assert "Begreep het niet" in body and "Dacht aan: Route: " in body
        status, _, headers = await browser.post(f"/inbox/review/{first}", {"label": NEW_QUESTION})
        assert status == 302
        status, body, _ = await browser.get(headers["Location"])
        assert "De bot leert ervan" in body
        status, _, _ = await browser.post(f"/inbox/review/{first}", {"label": "bogus"})
        assert status == 404
        second = re.search(r'/inbox/review/(\d+)"', body).group(1)
        await browser.post(f"/inbox/review/{second}", {"label": NEW_QUESTION})
        status, body, _ = await browser.get("/inbox/review?view=new")
        assert re.search(r"<td>stage</td><td>2</td>", body)

    run(seeded_database_url, scenario)
    with session_scope(seeded_database_url) as session:
        labels = session.scalars(select(ReviewMessage.label)).all()
        assert labels == [NEW_QUESTION, NEW_QUESTION]
        assert json.loads(session.scalar(select(ReviewMessage.guesses))) == ["route/what_is"]
