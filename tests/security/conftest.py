"""A small world for the security tests: two schools, three teachers, staff, and objects
with unmistakable names, so a page showing another school's data is easy to spot."""

from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client

from curriculum.models import Unit, UnitLesson
from pledges import models as pm
from tests import factories

# Strings that only the owner (Riverside's lead) should ever see, besides student pages
# reached with the pledge's own code or token.
OWNER_CLASS = "Owlclass Q7"
OWNER_PLEDGE = "Owlpledge stands up Q7"
OWNER_SIGNER = "Quilla Q"
OWNER_NOTE = "Owlnote about the playground"
OWNER_TALK = "Owltalk: someone keeps messaging me"
OWNER_SCHOOL = "Riverside School"
# Hillside's lead (the "other" persona) has data of their own.
OTHER_SIGNER = "Hetty H"


@dataclass
class World:
    owner: object
    colleague: object
    other: object
    staff: object
    school: object
    classroom: object
    pledge: object
    signature: object
    checkin: object
    reflection: object
    concern: object
    colleague_membership: object
    lesson: object
    clients: dict = field(default_factory=dict)


def row_counts():
    """Rows per table of the data the app holds: a rejected request changes none."""
    user = get_user_model()
    tables = [
        user,
        pm.School,
        pm.Membership,
        pm.Classroom,
        pm.Pledge,
        pm.Commitment,
        pm.Signature,
        pm.CheckIn,
        pm.Reflection,
        pm.ReflectionItem,
        pm.Concern,
    ]
    return {model.__name__: model.objects.count() for model in tables}


def fingerprint(school=None):
    """Row counts plus the values an attacker would want to change; with `school`, only
    that school's (another school's lead may change their own)."""
    pledges = pm.Pledge.objects.all()
    schools = pm.School.objects.all()
    if school is not None:
        pledges = pledges.filter(classroom__school=school)
        schools = schools.filter(pk=school.pk)
    signatures = pm.Signature.objects.filter(pledge__in=pledges)
    return (
        row_counts() if school is None else None,
        sorted(pledges.values_list("pk", "status", "join_code", "title")),
        sorted(signatures.values_list("pk", "hidden", "approved", "display_name")),
        sorted(schools.values_list("pk", "invite_code", "name")),
        sorted(
            pm.Classroom.objects.filter(school__in=schools).values_list("pk", "name", "teacher_id")
        ),
        sorted(
            pm.Membership.objects.filter(school__in=schools).values_list("pk", "role", "user_id")
        ),
        sorted(pm.CheckIn.objects.filter(pledge__in=pledges).values_list("pk", "is_open")),
        sorted(
            pm.Reflection.objects.filter(signature__in=signatures).values_list("pk", "note_hidden")
        ),
        sorted(
            pm.Concern.objects.filter(school__in=schools).values_list("pk", "state", "action_note")
        ),
    )


def make_world():
    school = factories.make_school(OWNER_SCHOOL)
    owner = factories.make_teacher(school=school, role="lead")
    colleague = factories.make_teacher(
        "colleague@riverside.example", school=school, first_name="Cal"
    )
    other_school = factories.make_school("Hillside Academy")
    other = factories.make_teacher(
        "other@hillside.example", school=other_school, role="lead", first_name="Oli"
    )
    staff = factories.make_staff()
    lesson = factories.make_lesson("speaking-up", handouts=[("scenario-cards", "Cards")])
    unit = Unit.objects.create(
        age_band=lesson.age_bands.first(),
        title="Speaking up",
        summary="One lesson.",
        baseline_task="What would you do if…",
    )
    UnitLesson.objects.create(unit=unit, lesson=lesson, order=1)

    classroom = factories.make_classroom(owner, name=OWNER_CLASS)
    pledge = factories.make_pledge(classroom, title=OWNER_PLEDGE)
    signature = factories.make_signature(pledge, OWNER_SIGNER)
    checkin = pm.CheckIn.start(pledge=pledge, prompt="How did it go?", user=owner)
    reflection = pm.Reflection.record(
        signature=signature,
        checkin=checkin,
        progress={c: pm.Progress.DONE for c in signature.commitments.all()},
        note=OWNER_NOTE,
    )
    # The owner is the school's safeguarding lead too; the colleague is not.
    pm.Membership.objects.filter(user=owner).update(is_dsl=True)
    concern = pm.Concern.raise_for(reflection, OWNER_TALK)
    # The colleague and the other school have classes and signatures of their own.
    colleague_pledge = factories.make_pledge(
        factories.make_classroom(colleague, name="Colclass"), title="Colleague pledge"
    )
    factories.make_signature(colleague_pledge, "Cora C")
    other_pledge = factories.make_pledge(
        factories.make_classroom(other, name="Hillclass"), title="Hill pledge"
    )
    factories.make_signature(other_pledge, OTHER_SIGNER)
    return World(
        owner=owner,
        colleague=colleague,
        other=other,
        staff=staff,
        school=school,
        classroom=classroom,
        pledge=pledge,
        signature=signature,
        checkin=checkin,
        reflection=reflection,
        concern=concern,
        colleague_membership=colleague.membership,
        lesson=lesson,
    )


def logged_in(user):
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hashing at full strength costs a second a teacher; these tests attack other things."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def personas(world):
    return {
        "anonymous": logged_in(None),
        "other school": logged_in(world.other),
        "colleague": logged_in(world.colleague),
        "owner": logged_in(world.owner),
    }


@pytest.fixture
def content_type_id(db):
    return ContentType.objects.get_for_model(pm.Pledge).pk


def is_postgresql():
    return connection.vendor == "postgresql"
