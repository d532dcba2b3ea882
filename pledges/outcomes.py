"""What a class did after signing: per commitment and round, counted from the rows.

Only visible signatures count (models.visible_signature), so a hidden signature's reflections
drop out of every number, as its signature dropped out of the pledge's count.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count

from pledges.models import Progress, ReflectionItem, Signature, visible_signature


@dataclass
class CommitmentOutcome:
    commitment: object
    signed: int = 0
    by_round: dict = field(default_factory=dict)  # round number -> {progress: count}

    def counts(self, number):
        counts = self.by_round.get(number, {})
        return [(value, label, counts.get(value, 0)) for value, label in Progress.choices]

    def answered(self, number):
        return sum(self.by_round.get(number, {}).values())


def commitment_outcomes(pledge, commitments):
    """One CommitmentOutcome per commitment, with every round's counts: two queries."""
    signed = dict(
        Signature.objects.visible()
        .filter(pledge=pledge)
        .values_list("commitments")
        .annotate(n=Count("id"))
        .values_list("commitments", "n")
    )
    rows = (
        ReflectionItem.objects.filter(
            visible_signature("reflection__signature__"), reflection__checkin__pledge=pledge
        )
        .values("commitment_id", "reflection__checkin__number", "progress")
        .annotate(n=Count("id"))
    )
    by_commitment = defaultdict(lambda: defaultdict(dict))
    for row in rows:
        number = row["reflection__checkin__number"]
        by_commitment[row["commitment_id"]][number][row["progress"]] = row["n"]
    return [
        CommitmentOutcome(
            commitment=commitment,
            signed=signed.get(commitment.pk, 0),
            by_round=dict(by_commitment.get(commitment.pk, {})),
        )
        for commitment in commitments
    ]


def acted_share(done_or_tried, answered):
    """The share of answered commitments a student did or tried, as a whole percent."""
    return round(100 * done_or_tried / answered) if answered else None


def school_outcomes(school):
    """Per classroom of `school`: pledges, signatures, reflections and the share of
    commitments acted on. No names, no notes. Three queries."""
    from pledges.models import Classroom, Reflection

    classrooms = list(
        Classroom.objects.filter(school=school)
        .annotate(
            pledge_count=Count("pledges", distinct=True),
            signature_count=Count(
                "pledges__signatures",
                filter=visible_signature("pledges__signatures__"),
                distinct=True,
            ),
        )
        .order_by("name")
    )
    reflections = dict(
        Reflection.objects.filter(
            visible_signature("signature__"), checkin__pledge__classroom__school=school
        )
        .values_list("checkin__pledge__classroom")
        .annotate(n=Count("id"))
        .values_list("checkin__pledge__classroom", "n")
    )
    items = defaultdict(lambda: [0, 0])
    for classroom_id, progress, n in (
        ReflectionItem.objects.filter(
            visible_signature("reflection__signature__"),
            reflection__checkin__pledge__classroom__school=school,
        )
        .values_list("reflection__checkin__pledge__classroom", "progress")
        .annotate(n=Count("id"))
        .values_list("reflection__checkin__pledge__classroom", "progress", "n")
    ):
        items[classroom_id][1] += n
        if progress in (Progress.DONE, Progress.TRIED):
            items[classroom_id][0] += n
    rows = []
    for classroom in classrooms:
        acted, answered = items[classroom.pk]
        rows.append(
            {
                "classroom": classroom,
                "pledges": classroom.pledge_count,
                "signatures": classroom.signature_count,
                "reflections": reflections.get(classroom.pk, 0),
                "acted": acted,
                "answered": answered,
            }
        )
    total = {
        key: sum(row[key] for row in rows)
        for key in ("pledges", "signatures", "reflections", "acted", "answered")
    }
    return rows, total
