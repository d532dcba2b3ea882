"""The whole story over HTTP, as the people involved would do it."""

import csv
import io
import re
from html import unescape

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from curriculum.loader import load_content
from pledges.models import Classroom, Pledge, PledgeTemplate, School

pytestmark = pytest.mark.django_db


def test_sign_up_to_poster():
    load_content(settings.CURRICULUM_DIR)
    teacher = Client()

    # A teacher signs up and creates a school.
    response = teacher.post(
        reverse("pledges:signup"),
        {
            "first_name": "Tess",
            "last_name": "Teacher",
            "email": "Tess@Riverside.example",
        },
    )
    assert response.status_code == 302
    link = re.search(r"http://127.0.0.1:8000(/\S+)", mail.outbox[-1].body).group(1)
    password_form = teacher.get(link, follow=True).redirect_chain[-1][0]
    response = teacher.post(
        password_form,
        {
            "new_password1": "correct-horse-battery-42",
            "new_password2": "correct-horse-battery-42",
        },
    )
    assert response["Location"] == reverse("pledges:school-setup")
    teacher.post(reverse("pledges:school-setup"), {"action": "create", "name": "Riverside"})
    school = School.objects.get()

    # ...adds a class and starts a pledge from the template of the lesson they taught.
    teacher.post(reverse("pledges:classroom-create"), {"name": "8B", "year_group": "Year 8"})
    classroom = Classroom.objects.get(school=school)
    template = PledgeTemplate.objects.filter(lesson__isnull=False).first()
    create_url = reverse("pledges:pledge-create") + f"?lesson={template.lesson.slug}"
    assert template.commitments[0].split()[2] in teacher.get(create_url).text
    teacher.post(
        create_url,
        {
            "classroom": classroom.pk,
            "title": template.title,
            "intro": template.intro,
            "commitments": "\n".join(template.commitments),
        },
    )
    pledge = Pledge.objects.get()
    assert pledge.template == template
    teacher.post(reverse("pledges:pledge-status", args=[pledge.pk]), {"action": "open"})
    pledge.refresh_from_db()
    assert pledge.is_open()

    # Thirty students sign by typing the code, each on their own phone.
    commitments = list(pledge.commitments.order_by("order"))
    code = pledge.join_code_display().lower()
    for number in range(30):
        student = Client()
        found = student.post(reverse("pledges:join"), {"code": code})
        assert found.status_code == 302, found.content[:300]
        name = f"Student {chr(65 + number % 26)}{chr(65 + number // 26)}"
        signed = student.post(
            found["Location"],
            {
                "display_name": name,
                "commitments": [c.pk for c in commitments[: 1 + number % 3]],
            },
        )
        assert signed.status_code in (302, 303), signed.content[:300]
    assert pledge.count() == 30

    # The teacher hides one silly name; the count drops; then closes the pledge.
    detail = teacher.get(pledge.get_absolute_url())
    assert detail.context["pledge"].signature_count == 30
    silly = pledge.signatures.order_by("created").first()
    teacher.post(
        reverse("pledges:signature-moderate", args=[pledge.pk, silly.pk]), {"action": "hide"}
    )
    assert pledge.count() == 29
    teacher.post(reverse("pledges:pledge-status", args=[pledge.pk]), {"action": "close"})
    pledge.refresh_from_db()
    assert pledge.status == "closed"

    # A latecomer finds it closed.
    late = Client().get(reverse("pledges:join-code", args=[pledge.join_code_display()]))
    assert "This pledge has closed." in unescape(late.text)

    # The CSV has every signature (hidden marked), the poster the count of visible ones.
    rows = list(
        csv.reader(
            io.StringIO(
                teacher.get(reverse("pledges:pledge-csv", args=[pledge.pk])).content.decode()
            )
        )
    )
    assert len(rows) == 31
    assert sum(1 for row in rows[1:] if row[2] == "hidden") == 1
    poster = teacher.get(reverse("pledges:pledge-poster", args=[pledge.pk]))
    assert poster.status_code == 200 and "29 of us signed" in poster.text
