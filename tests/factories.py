"""Plain functions that make rows with explicit defaults; no randomness."""

from itertools import count

from django.contrib.auth import get_user_model

from curriculum.models import Activity, AgeBand, Handout, Lesson, Module, Status, Theme

_sequence = count(1)


def make_age_band(slug="ages-11-14", **overrides):
    defaults = {
        "label": "Ages 11–14",
        "min_age": 11,
        "max_age": 14,
        "uk_stage": "Key Stage 3",
        "us_grades": "Grades 6–8",
    }
    defaults.update(overrides)
    band, _created = AgeBand.objects.get_or_create(slug=slug, defaults=defaults)
    return band


def make_theme(slug="bystander-intervention", name=None):
    theme, _created = Theme.objects.get_or_create(
        slug=slug, defaults={"name": name or slug.replace("-", " ").capitalize()}
    )
    return theme


def make_module(slug="start-a-conversation", **overrides):
    defaults = {
        "title": slug.replace("-", " ").title(),
        "summary": "A module summary.",
        "big_idea": "The **big idea**.",
        "family_note": "A note for families.",
        "order": 1,
        "status": Status.PUBLISHED,
    }
    defaults.update(overrides)
    module = Module.objects.filter(slug=slug).first()
    if module:
        return module
    module = Module(slug=slug, **defaults)
    module.save()
    return module


def make_lesson(
    slug=None,
    *,
    module=None,
    age_bands=None,
    themes=None,
    activities=None,
    handouts=None,
    **overrides,
):
    number = next(_sequence)
    slug = slug or f"lesson-{number}"
    defaults = {
        "title": f"Lesson {number}",
        "summary": "Students practise speaking up.",
        "outcome": "I can name a safe way to help.",
        "duration_minutes": 45,
        "status": Status.PUBLISHED,
        "objectives": ["Students can name three ways to help."],
        "key_vocabulary": [{"term": "Bystander", "definition": "Someone who sees it happen."}],
        "content_guidance": [{"area": "upsetting-content", "guidance": "Prepare the class."}],
        "safeguarding": "Tell the **DSL** the same day.",
        "sources": [
            {
                "author": "Barnes-Smith, M.",
                "title": "No Going Back",
                "publisher": "EqualiTeach",
                "year": "2020",
                "url": "https://equaliteach.co.uk/",
            }
        ],
    }
    defaults.update(overrides)
    lesson = Lesson(slug=slug, module=module or make_module(), **defaults)
    lesson.save()
    lesson.age_bands.set(age_bands if age_bands is not None else [make_age_band()])
    lesson.themes.set(themes if themes is not None else [make_theme()])
    if activities is None:
        activities = [("Ground rules", 10, 15), ("Scenarios", 25, None), ("Exit ticket", 10, None)]
    for order, (title, minutes, minutes_max) in enumerate(activities, start=1):
        Activity(
            lesson=lesson,
            order=order,
            title=title,
            minutes=minutes,
            minutes_max=minutes_max,
            instructions=f"Do *{title}*.",
        ).save()
    for order, (handout_slug, title) in enumerate(handouts or [], start=1):
        Handout(lesson=lesson, order=order, slug=handout_slug, title=title, body="A card.").save()
    lesson.save()  # as the loader and the admin do, once the activities and themes exist
    return lesson


def make_staff(username="curator"):
    return get_user_model().objects.create_user(
        username=username, password="curator-pass-123", is_staff=True, is_superuser=True
    )


# Pledges ------------------------------------------------------------------------------

DEFAULT_COMMITMENTS = (
    "I will tell a teacher when I see someone being picked on.",
    "I will not laugh along with unkind jokes.",
    "I will ask someone who is left out to join in.",
)


def make_school(name="Riverside School", slug=None):
    from pledges.models import School

    school = School(name=name, slug=slug or name.lower().replace(" ", "-"))
    school.save()
    return school


def make_teacher(
    email="teacher@riverside.example",
    *,
    school=None,
    role="teacher",
    first_name="Tess",
    password="a-long-teacher-pass-42",
):
    from pledges.models import Membership

    user = get_user_model().objects.create_user(
        username=email, email=email, password=password, first_name=first_name
    )
    if school is not None:
        Membership.objects.create(user=user, school=school, role=role)
    return user


def make_classroom(teacher, name="8B", year_group="Year 8"):
    from pledges.models import Classroom

    return Classroom.objects.create(
        school=teacher.membership.school, teacher=teacher, name=name, year_group=year_group
    )


def make_pledge(classroom, *, commitments=DEFAULT_COMMITMENTS, status="open", **overrides):
    from pledges.models import Commitment, Pledge

    defaults = {
        "title": "Our class stands up for each other",
        "intro": "We agree to these things.",
        "status": status,
        "created_by": classroom.teacher,
    }
    defaults.update(overrides)
    pledge = Pledge(classroom=classroom, **defaults)
    if status == "open":
        from django.utils import timezone

        pledge.opened_at = timezone.now()
    pledge.save()
    for order, text in enumerate(commitments, start=1):
        Commitment.objects.create(pledge=pledge, order=order, text=text)
    return pledge


def make_signature(pledge, name="Sam K", *, commitments=None, **overrides):
    from pledges import names
    from pledges.models import Signature

    display_name, name_key = names.validate(name)
    signature = Signature.sign(
        pledge=pledge,
        display_name=display_name,
        name_key=name_key,
        commitments=commitments if commitments is not None else list(pledge.commitments.all()),
    )
    if overrides:
        for key, value in overrides.items():
            setattr(signature, key, value)
        signature.save()
    return signature


def sign_form_data(pledge, name="Sam K", *, commitments=None):
    """What a student's phone posts to a pledge's sign page (all commitments by default)."""
    chosen = commitments if commitments is not None else list(pledge.commitments.all())
    return {"display_name": name, "commitments": [c.pk for c in chosen]}
