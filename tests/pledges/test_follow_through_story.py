"""Issue 6's whole story over HTTP: pledge, thirty signatures, a check-in, reflections from
the same device and from another one, and the teacher's numbers equal to the rows."""

import pytest
from django.test import Client
from django.urls import reverse

from pledges.models import Progress, ReflectionItem, Signature

pytestmark = pytest.mark.django_db

CHOICES = [Progress.DONE, Progress.TRIED, Progress.NOT_YET]


def test_pledge_to_reflections_to_the_teachers_numbers(teacher_client, pledge):
    commitments = list(pledge.commitments.order_by("order"))
    phones = []
    for number in range(30):
        phone = Client()
        name = f"Pupil {chr(65 + number % 26)}{chr(65 + number // 26)}"
        chosen = commitments[: 1 + number % len(commitments)]
        response = phone.post(
            pledge.get_link_url(), {"display_name": name, "commitments": [c.pk for c in chosen]}
        )
        assert response.status_code == 303
        phones.append((phone, Signature.objects.get(pledge=pledge, display_name=name), chosen))

    teacher_client.post(reverse("pledges:checkin-create", args=[pledge.pk]), {"prompt": "How?"})
    reflect_url = reverse("pledges:reflect", args=[pledge.link_token])

    def answers(chosen, offset):
        return {f"progress-{c.pk}": CHOICES[(offset + i) % 3] for i, c in enumerate(chosen)}

    # Twenty come back on the same phone: straight to their own form, nothing retyped.
    for offset, (phone, _signature, chosen) in enumerate(phones[:20]):
        form = phone.get(reflect_url)
        assert f'name="progress-{chosen[0].pk}"' in form.text
        assert phone.post(reflect_url, answers(chosen, offset)).status_code == 303
    # Five use another device with the return code they wrote down.
    for offset, (_phone, signature, chosen) in enumerate(phones[20:25], start=20):
        laptop = Client()
        typed = laptop.post(reflect_url, {"return_code": signature.return_code_display()})
        assert typed.status_code == 303
        assert laptop.post(reflect_url, answers(chosen, offset)).status_code == 303
    # A classmate who knows only the code and a name reaches nothing.
    snoop = Client()
    target = phones[25][1]
    snoop.post(reflect_url, {"return_code": target.display_name})
    assert 'name="progress-' not in snoop.get(reflect_url).text
    assert snoop.post(reflect_url, answers(phones[25][2], 0)).status_code != 303
    assert not target.reflections.exists()

    # The teacher hides one signature: its reflection drops out of every count.
    hidden = phones[0][1]
    teacher_client.post(
        reverse("pledges:signature-moderate", args=[pledge.pk, hidden.pk]), {"action": "hide"}
    )

    page = teacher_client.get(reverse("pledges:pledge-follow-through", args=[pledge.pk]))
    rows = page.context["rows"]
    visible = ReflectionItem.objects.filter(
        reflection__signature__hidden=False, reflection__signature__pledge=pledge
    )
    for row in rows:
        for value, _label, count in row.selected_counts:
            assert count == visible.filter(commitment=row.commitment, progress=value).count()
        assert row.signed == row.commitment.signatures.filter(hidden=False).count()
    assert sum(row.selected_answered for row in rows) == visible.count()
    assert visible.count() < ReflectionItem.objects.count()  # the hidden one is left out
