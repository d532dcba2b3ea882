"""A hidden signature and one waiting for approval are unseen: their names appear on no
page, printed sheet or file, and they count in none of the lead's numbers.

Every URL of the project is requested (tests/security/urlmap.py), as the owner and as an
anonymous visitor, on a pledge that shows names. Only the pages where a teacher moderates
(and the records that label each signature's state) may name them.
"""

import pytest
from django.urls import reverse

from pledges import models as pm
from pledges import outcomes
from tests import factories
from tests.security.conftest import logged_in
from tests.security.test_access_sweep import sweep, text_of
from tests.security.urlmap import ADMIN

pytestmark = pytest.mark.django_db

HIDDEN_SIGNER = "Hidda Hushwing"
WAITING_SIGNER = "Wanda Waitwell"
HIDDEN_NOTE = "Hushnote from a hidden signer"

# Where a teacher sees every signature to moderate it, and the records of what is held,
# which label each one hidden or waiting.
MAY_NAME_THEM = {
    "pledges:pledge-detail",
    "pledges:pledge-csv",
    "pledges:reflections-csv",
    "pledges:school-export",
}


@pytest.fixture
def unseen(world):
    pledge = world.pledge
    pledge.show_names = True
    pledge.approve_first = True
    pledge.save()
    hidden = factories.make_signature(pledge, HIDDEN_SIGNER, hidden=True)
    waiting = factories.make_signature(pledge, WAITING_SIGNER)
    assert not waiting.approved
    for signature in (hidden, waiting):
        pm.Reflection.record(
            signature=signature,
            checkin=world.checkin,
            progress={c: pm.Progress.DONE for c in signature.commitments.all()},
            note=HIDDEN_NOTE,
            talk_request="Please talk to me",
        )
    return world


def test_no_page_sheet_or_file_names_a_hidden_or_waiting_signature(unseen, content_type_id):
    clients = {"owner": logged_in(unseen.owner), "anonymous": logged_in(None)}
    seen = 0
    for pattern, url, kind in sweep(unseen, clients, content_type_id):
        if kind == ADMIN or pattern.key in MAY_NAME_THEM:
            continue
        for persona, client in clients.items():
            response = client.get(url)
            text = text_of(response) if response.status_code == 200 else ""
            seen += bool(text)
            for secret in (HIDDEN_SIGNER, WAITING_SIGNER, HIDDEN_NOTE):
                assert secret not in text, f"{persona} GET {url} ({pattern.key}) shows {secret}"
    assert seen > 30  # the sweep drew real pages, the poster and the printed sheets too


def test_the_visible_signer_is_named_where_names_are_shown(unseen, client):
    """The sweep above is not blind: the same pages do name the visible signer."""
    owner = logged_in(unseen.owner)
    visible = unseen.signature.display_name
    for name, args in [
        ("pledges:pledge-poster", [unseen.pledge.pk]),
        ("pledges:reflection-sheet", [unseen.pledge.pk, unseen.checkin.number]),
        ("pledges:reflection-paper", [unseen.pledge.pk, unseen.checkin.number]),
    ]:
        assert visible in owner.get(reverse(name, args=args)).text
    assert visible in client.get(unseen.pledge.get_link_url()).text


def test_the_leads_outcome_counts_leave_out_hidden_and_waiting_signatures(unseen):
    rows, total = outcomes.school_outcomes(unseen.school)
    row = next(row for row in rows if row["classroom"] == unseen.classroom)
    assert (row["signatures"], row["reflections"]) == (1, 1)
    assert total["signatures"] == 2  # the visible one here, and the colleague's
    assert total["reflections"] == 1
