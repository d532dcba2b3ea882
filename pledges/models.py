"""Schools, classrooms, class pledges and the signatures students add to them.

Students never have accounts. A signature is a display name and ticked commitments; the
only other thing kept is a random return secret (in the signing device's cookie) and a
short return code the student can write down, so they can come back to withdraw or
reflect. No email, IP address or device id is stored.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from pledges import codes

logger = logging.getLogger(__name__)

SMALL_NUMBER = 5


def suppressed(count):
    """A count for totals above a classroom: small numbers could identify students."""
    if count < SMALL_NUMBER:
        return _("fewer than %(n)d") % {"n": SMALL_NUMBER}
    return count


def _unique_code(model, field, make):
    """A fresh random code not yet used in `model.field` (collisions are astronomically
    rare; the unique constraint is the real guarantee)."""
    for _attempt in range(10):
        code = make()
        if not model.objects.filter(**{field: code}).exists():
            return code
    raise RuntimeError(f"Could not find a free {field}.")


class Country(models.TextChoices):
    """Where a school is: which helplines its pages show (SupportService.country)."""

    GB = "GB", _("United Kingdom")
    US = "US", _("United States")


class SchoolManager(models.Manager):
    def create_with_lead(self, *, name, lead, country=Country.GB):
        """A new school with `lead` as its lead, or None when `lead` already has a school
        (a double submit). A slug taken by a concurrent request makes the insert fail;
        the next free one is tried."""
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    school = self.create(name=name, slug=self._free_slug(name), country=country)
                    Membership.objects.create(user=lead, school=school, role=Role.LEAD)
                    return school
            except IntegrityError:
                if Membership.objects.filter(user=lead).exists():
                    return None
        raise RuntimeError("Could not find a free school slug.")

    def _free_slug(self, name):
        base = (slugify(name) or "school")[:150].strip("-") or "school"
        taken = set(self.filter(slug__startswith=base).values_list("slug", flat=True))
        slug, number = base, 2
        while slug in taken:
            slug, number = f"{base}-{number}", number + 1
        return slug


class School(models.Model):
    name = models.CharField(_("school name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=160, unique=True)
    invite_code = models.CharField(_("invite code"), max_length=16, unique=True)
    country = models.CharField(
        _("country"),
        max_length=2,
        choices=Country.choices,
        default=Country.GB,
        help_text=_("Which helplines and safeguarding services the school's pages show."),
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = SchoolManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.invite_code:
            self.invite_code = _unique_code(School, "invite_code", codes.new_invite_code)
        super().save(*args, **kwargs)

    def rotate_invite_code(self):
        self.invite_code = _unique_code(School, "invite_code", codes.new_invite_code)
        self.save(update_fields=["invite_code"])

    def invite_code_display(self):
        return codes.display(self.invite_code)


class Role(models.TextChoices):
    LEAD = "lead", _("School lead")
    TEACHER = "teacher", _("Teacher")


class Membership(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.TEACHER)
    is_dsl = models.BooleanField(
        _("designated safeguarding lead"),
        default=False,
        help_text=_("Sees and handles every concern students raise in the school."),
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["school", "user__first_name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self):
        return f"{self.user} at {self.school} ({self.role})"

    def is_lead(self):
        return self.role == Role.LEAD

    def remove(self, *, handed_to):
        """Take a teacher out of the school. Their classrooms (and pledges, signatures)
        pass to `handed_to`, normally the lead, so open pledges are never left with
        nobody who can pause or moderate them."""
        with transaction.atomic():
            Classroom.objects.filter(school=self.school, teacher=self.user).update(
                teacher=handed_to
            )
            self.delete()


class ClassroomQuerySet(models.QuerySet):
    def for_dashboard(self):
        """A teacher's classrooms with their pledges, live counts, check-in rounds and
        talk-to-me requests, in two queries."""
        talks = Reflection.objects.filter(
            visible_signature("signature__"), signature__pledge=OuterRef("pk")
        ).exclude(talk_request="")
        pledges = Pledge.objects.with_counts().annotate(
            checkin_count=count_of(CheckIn.objects.filter(pledge=OuterRef("pk")), "pledge"),
            talk_count=count_of(talks, "signature__pledge"),
        )
        return self.prefetch_related(
            models.Prefetch("pledges", queryset=pledges.order_by("-created"))
        ).order_by("name")


class Classroom(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="classrooms")
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="classrooms"
    )
    name = models.CharField(_("class name"), max_length=80, help_text=_("For example “8B”."))
    year_group = models.CharField(
        _("year group or grade"), max_length=40, blank=True, help_text=_("For example “Year 8”.")
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = ClassroomQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("classroom")
        verbose_name_plural = _("classrooms")

    def __str__(self):
        return self.name


class PledgeTemplateQuerySet(models.QuerySet):
    def for_lesson(self, lesson):
        """The template a pledge from `lesson` starts from: the lesson's own, else one of its
        module for the lesson's ages, else any of its module; None if the module has none."""
        templates = self.select_related("module", "lesson")
        return (
            templates.filter(lesson=lesson).first()
            or templates.filter(module=lesson.module, age_bands__in=lesson.age_bands.all()).first()
            or templates.filter(module=lesson.module).first()
        )


class PledgeTemplate(models.Model):
    """A staff-curated starting point: loaded with the curriculum files."""

    title = models.CharField(_("title"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=160, unique=True)
    module = models.ForeignKey(
        "curriculum.Module", on_delete=models.CASCADE, related_name="pledge_templates"
    )
    lesson = models.ForeignKey(
        "curriculum.Lesson",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pledge_templates",
    )
    age_bands = models.ManyToManyField("curriculum.AgeBand", blank=True)
    intro = models.TextField(_("introduction"))
    commitments = models.JSONField(_("commitments"), default=list)

    objects = PledgeTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["module__order", "title"]
        verbose_name = _("pledge template")
        verbose_name_plural = _("pledge templates")

    def __str__(self):
        return self.title


class StatusChangeRefused(Exception):
    """A status change that makes no sense for this pledge now; the message says why."""

    def __init__(self, message):
        self.message = message
        super().__init__(message)


class PledgeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    PAUSED = "paused", _("Paused")
    CLOSED = "closed", _("Closed")


def count_of(queryset, outer):
    """How many rows of `queryset` (filtered on OuterRef("pk") through its field `outer`)
    each row has, as a subquery: an index range scan per row rather than a join and
    GROUP BY over every signature of a district."""
    counted = queryset.order_by().values(outer).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


def signing_cap_since():
    """The start of the minute whose signatures count against the signing cap."""
    return timezone.now() - timedelta(seconds=60)


class PledgeQuerySet(models.QuerySet):
    def with_counts(self):
        """Annotate the count students and teachers see: visible signatures only."""
        visible = Signature.objects.visible().filter(pledge=OuterRef("pk"))
        return self.annotate(signature_count=count_of(visible, "pledge"))

    def with_commitments(self):
        return self.prefetch_related(
            models.Prefetch("commitments", queryset=Commitment.objects.order_by("order"))
        )

    def for_sign_page(self):
        """What the public pledge page and a signature need with the pledge: its
        commitments in order. The count, the open check-in and the signing cap are each
        a small query of their own (`count()`, `has_open_checkin()`,
        `is_over_signing_cap()`): measured, three plain queries cost less than building
        them into this one as subqueries."""
        return self.with_commitments()

    def owned_by(self, user):
        return self.filter(classroom__teacher=user)


class Pledge(models.Model):
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="pledges")
    title = models.CharField(_("title"), max_length=150)
    intro = models.TextField(_("introduction"), blank=True)
    goal = models.PositiveIntegerField(
        _("goal"), null=True, blank=True, help_text=_("Optional: how many signatures to aim for.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PledgeStatus.choices, default=PledgeStatus.DRAFT
    )
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    join_code = models.CharField(_("join code"), max_length=16, unique=True)
    link_token = models.CharField(max_length=64, unique=True, editable=False)
    show_names = models.BooleanField(
        _("show names on the public page"),
        default=False,
        help_text=_("Off: the public page shows only how many have signed."),
    )
    approve_first = models.BooleanField(
        _("check names before they show"),
        default=False,
        help_text=_("New signatures wait for your approval before they count or show."),
    )
    template = models.ForeignKey(
        PledgeTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="pledges"
    )
    lesson = models.ForeignKey(
        "curriculum.Lesson", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    checkin_weeks = models.CharField(
        _("check in after (weeks)"),
        max_length=40,
        default="2,6",
        help_text=_("When to remind you to ask students how it went, e.g. “2,6”."),
    )
    ask_exit_question = models.BooleanField(
        _("ask the lesson's exit question when signing"),
        default=False,
        help_text=_("Ask it again at a check-in to see what changed, without names."),
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = PledgeQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PledgeStatus.values), name="pledge_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(goal__isnull=True) | Q(goal__gt=0), name="pledge_goal_positive"
            ),
        ]
        indexes = [models.Index(fields=["status", "closed_at"])]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.join_code:
            self.join_code = _unique_code(Pledge, "join_code", codes.new_join_code)
        if not self.link_token:
            self.link_token = codes.new_link_token()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("pledges:pledge-detail", args=[self.pk])

    def get_join_url(self):
        return reverse("pledges:join-code", args=[self.join_code_display()])

    def get_link_url(self):
        return reverse("pledges:join-link", args=[self.link_token])

    def join_code_display(self):
        return codes.display(self.join_code)

    def is_open(self, now=None):
        if self.status != PledgeStatus.OPEN:
            return False
        return self.closes_at is None or self.closes_at > (now or timezone.now())

    def is_editable(self):
        return self.status == PledgeStatus.DRAFT

    # Which statuses each change starts from. Opening a closed pledge reopens it.
    CHANGES_FROM = {
        "open": {PledgeStatus.DRAFT, PledgeStatus.PAUSED, PledgeStatus.CLOSED},
        "pause": {PledgeStatus.OPEN},
        "close": {PledgeStatus.OPEN, PledgeStatus.PAUSED},
    }

    def _refuse_unless_from(self, change):
        if self.status not in self.CHANGES_FROM[change]:
            raise StatusChangeRefused(_("That change isn't possible for this pledge right now."))

    def open(self):
        """Open (or reopen) signing. Refused without a commitment to sign."""
        self._refuse_unless_from("open")
        if not self.commitments.exists():
            raise StatusChangeRefused(_("Add at least one commitment before opening the pledge."))
        self.status = PledgeStatus.OPEN
        self.opened_at = self.opened_at or timezone.now()
        self.closed_at = None
        self.save(update_fields=["status", "opened_at", "closed_at", "updated"])

    def pause(self):
        self._refuse_unless_from("pause")
        self.status = PledgeStatus.PAUSED
        self.save(update_fields=["status", "updated"])

    def close(self):
        self._refuse_unless_from("close")
        self.status = PledgeStatus.CLOSED
        self.closed_at = timezone.now()
        self.save(update_fields=["status", "closed_at", "updated"])

    def rotate_join_code(self, *, new_link=False):
        """Issue a new code; the old one stops working at once. With `new_link`, the QR
        code's link too: a leaked poster or photo of the projector then opens nothing.
        Devices that signed keep their way back (their cookie names the pledge, not the
        link), and return codes still work."""
        self.join_code = _unique_code(Pledge, "join_code", codes.new_join_code)
        fields = ["join_code", "updated"]
        if new_link:
            self.link_token = codes.new_link_token()
            fields.append("link_token")
        self.save(update_fields=fields)

    def approve_waiting(self, among):
        """Approve this pledge's waiting signatures whose ids are in `among` (the ones
        the teacher had in front of them: a name that arrived since stays waiting).
        Returns how many were approved."""
        return self.signatures.filter(pk__in=among).approve_waiting()

    def hide_signatures(self, among):
        """Hide this pledge's signatures whose ids are in `among`; how many were hidden."""
        return self.signatures.filter(pk__in=among).hide()

    def visible_signatures(self):
        return self.signatures.visible()

    def count(self):
        if hasattr(self, "signature_count"):
            return self.signature_count
        return self.visible_signatures().count()

    def progress_percent(self):
        if not self.goal:
            return None
        return min(100, round(100 * self.count() / self.goal))

    def checkin_due_dates(self):
        """The dates check-ins are due: weeks after opening, from `checkin_weeks`."""
        if not self.opened_at:
            return []
        weeks = sorted({int(w) for w in self.checkin_weeks.replace(" ", "").split(",")
                        if w.isdecimal() and 0 < int(w) <= 52})  # fmt: skip
        return [self.opened_at + timedelta(weeks=week) for week in weeks]

    def is_checkin_due(self, now=None):
        """True when a scheduled check-in date has passed without a round for it.
        Needs `checkin_count` (annotated) or counts the rounds."""
        if self.status == PledgeStatus.DRAFT:
            return False
        now = now or timezone.now()
        passed = sum(1 for due in self.checkin_due_dates() if due <= now)
        done = getattr(self, "checkin_count", None)
        if done is None:
            done = self.checkins.count()
        return passed > done

    def exit_question(self):
        """The lesson's first exit-ticket question, when the teacher chose to ask it."""
        if not self.ask_exit_question or self.lesson is None or not self.lesson.exit_questions:
            return ""
        return self.lesson.exit_questions[0]

    def open_checkin(self):
        """The check-in students answer now: the newest round the teacher left open."""
        return self.checkins.open().order_by("-number").first()

    def has_open_checkin(self):
        """Whether students can reflect now."""
        return self.checkins.open().exists()

    def is_over_signing_cap(self):
        """True when this pledge took more signatures in the last minute than any class
        would: a leaked code being flooded. Teachers can also pause."""
        recent = self.signatures.filter(created__gte=signing_cap_since()).count()
        return recent >= settings.PLEDGE_SIGNATURES_PER_MINUTE

    def commitments_with_counts(self):
        """The commitments in order, each with `signed_count`: how many visible
        signatures ticked it. Counted from this pledge's signatures, through their ticks
        (an index range, then the ticks' unique index): half the time of counting from
        each commitment's ticks and looking up each one's signature."""
        ticks = Signature.commitments.through.objects.filter(
            visible_signature("signature__"), signature__pledge=self
        )
        counts = dict(ticks.values_list("commitment_id").annotate(Count("pk")).order_by())
        commitments = list(self.commitments.order_by("order"))
        for commitment in commitments:
            commitment.signed_count = counts.get(commitment.pk, 0)
        return commitments

    def commitment_list(self):
        """The commitments in order (prefetched by `for_sign_page`)."""
        return sorted(self.commitments.all(), key=lambda commitment: commitment.order)


class Commitment(models.Model):
    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="commitments")
    order = models.PositiveSmallIntegerField()
    text = models.CharField(_("commitment"), max_length=200)

    class Meta:
        # By the column, not the relation: ordering by "pledge" would join the pledge
        # table (and its own ordering) into every commitments query.
        ordering = ["pledge_id", "order"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        constraints = [
            models.UniqueConstraint(fields=["pledge", "order"], name="commitment_order_unique")
        ]

    def __str__(self):
        return self.text

    def clean(self):
        """Only a draft's commitments change: once a pledge is open, students have signed
        these words, and a signature must keep meaning what they ticked."""
        if self.pledge_id is not None and not self.pledge.is_editable():
            raise ValidationError(
                _("Students have already seen this pledge: only a draft's commitments can change.")
            )


class AlreadySigned(Exception):
    """The same name already signed this pledge."""

    def __init__(self, signature):
        self.signature = signature
        super().__init__("already signed")


class PledgeGone(Exception):
    """The pledge was deleted while a student was signing it."""


def visible_signature(through=""):
    """The one rule for a signature that counts and shows anywhere: approved and not
    hidden. `through` is the path from the model queried, e.g. "signatures__"."""
    return Q(**{f"{through}hidden": False, f"{through}approved": True})


def waiting_signature():
    """Signed while the teacher checks names first, and not yet checked (nor hidden)."""
    return Q(approved=False, hidden=False)


class SignatureQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(visible_signature())

    def waiting(self):
        return self.filter(waiting_signature())

    # Moderation of many at once: one UPDATE each, the same rules as one signature's.

    def approve_waiting(self):
        return self.waiting().update(approved=True)

    def hide(self):
        return self.filter(hidden=False).update(hidden=True)


class Signature(models.Model):
    # No index of its own: the constraints' and signature_pledge_created's indexes all
    # begin with the pledge, and every index is one more write on each signature.
    pledge = models.ForeignKey(
        Pledge, on_delete=models.CASCADE, related_name="signatures", db_index=False
    )
    display_name = models.CharField(_("name"), max_length=40)
    name_key = models.CharField(max_length=80, editable=False)
    commitments = models.ManyToManyField(Commitment, related_name="signatures")
    hidden = models.BooleanField(_("hidden"), default=False)
    approved = models.BooleanField(_("approved"), default=True)
    on_paper = models.BooleanField(_("typed in from paper"), default=False)
    exit_answer = models.TextField(_("answer to the exit question"), blank=True)
    return_secret = models.CharField(max_length=64, editable=False)  # unique: see Meta
    return_code = models.CharField(max_length=16, editable=False)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        ordering = ["created"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        indexes = [
            # The signing cap counts a pledge's signatures of the last minute.
            models.Index(fields=["pledge", "created"], name="signature_pledge_created"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["pledge", "name_key"], name="signature_one_per_name"),
            models.UniqueConstraint(
                fields=["pledge", "return_code"], name="signature_return_code_unique"
            ),
            # A constraint rather than unique=True, which on PostgreSQL adds a second
            # index for LIKE searches that no query makes.
            models.UniqueConstraint(
                fields=["return_secret"], name="signature_return_secret_unique"
            ),
        ]

    def __str__(self):
        return self.display_name

    SIGN_TRIES = 3  # new return codes to draw when one is taken, before giving up

    @classmethod
    def sign(cls, *, pledge, display_name, name_key, commitments, on_paper=False,
             exit_answer=""):  # fmt: skip
        """Add a signature, or raise AlreadySigned with the existing one (or PledgeGone).
        `commitments`: the ticked commitments, or their ids (as the sign form cleans
        them).

        The unique constraint on (pledge, name_key) decides between concurrent requests:
        the loser's insert finds the winner's row and it reports "already signed".
        """
        # A tick counts once, however often a hand-made form sends it: the links are
        # unique, and a repeated one would fail the whole signature.
        commitment_ids = list(dict.fromkeys(getattr(c, "pk", c) for c in commitments))
        for _try in range(cls.SIGN_TRIES):
            signature = cls(
                pledge=pledge,
                display_name=display_name,
                name_key=name_key,
                approved=not pledge.approve_first or on_paper,
                on_paper=on_paper,
                exit_answer=exit_answer,
                return_secret=codes.new_return_secret(),
                return_code=codes.new_return_code(),
            )
            try:
                with transaction.atomic():
                    signature.save()
                    # One INSERT for the ticks; .set() would first read the (empty) set.
                    cls.commitments.through.objects.bulk_create(
                        cls.commitments.through(signature=signature, commitment_id=pk)
                        for pk in commitment_ids
                    )
                return signature
            except IntegrityError:
                pass
            existing = cls.objects.filter(pledge=pledge, name_key=name_key).first()
            if existing is not None:
                raise AlreadySigned(existing)
            if not Pledge.objects.filter(pk=pledge.pk).exists():
                raise PledgeGone  # its teacher deleted it a moment ago
            # Not the name, so the new return code or secret was taken (1 in 31**8 for
            # the code within a pledge): draw new ones.
        raise IntegrityError(f"No free return code for a signature after {cls.SIGN_TRIES} tries")

    def return_code_display(self):
        return codes.display(self.return_code)

    def is_visible(self):
        return self.approved and not self.hidden

    def is_waiting(self):
        return not self.approved and not self.hidden

    # Moderation by the pledge's teacher.

    def hide(self):
        self.hidden = True
        self.save(update_fields=["hidden"])

    def show(self):
        self.hidden = False
        self.save(update_fields=["hidden"])

    def approve(self):
        """Let a waiting signature count and show (and show a hidden one again)."""
        self.approved = True
        self.hidden = False
        self.save(update_fields=["approved", "hidden"])


class GuessCounter(models.Model):
    """Tries counted by pledges.limits (wrong codes, sign-ups, password resets) per
    address, teacher or email (hashed) or overall, per time window.

    Kept in the database and changed with an atomic UPDATE, so the limit holds across
    app processes without Redis. Rows of past windows are deleted as new ones start.
    """

    key = models.CharField(max_length=100, unique=True)
    window_start = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("wrong-code counter")
        verbose_name_plural = _("wrong-code counters")

    def __str__(self):
        return f"{self.key}: {self.count}"


class CheckInQuerySet(models.QuerySet):
    def open(self):
        return self.filter(is_open=True)


class CheckIn(models.Model):
    """A round of follow-up on a pledge: "How did it go?", weeks after signing."""

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="checkins")
    number = models.PositiveSmallIntegerField()
    prompt = models.TextField(_("your question (optional)"), blank=True)
    is_open = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = CheckInQuerySet.as_manager()

    class Meta:
        ordering = ["pledge_id", "number"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(fields=["pledge", "number"], name="checkin_number_unique")
        ]

    def __str__(self):
        return _("Check-in %(number)d") % {"number": self.number}

    @classmethod
    def start(cls, *, pledge, prompt="", user=None):
        """Open the next round; earlier rounds close so students answer the newest."""
        with transaction.atomic():
            Pledge.objects.select_for_update().filter(pk=pledge.pk).first()
            pledge.checkins.open().update(is_open=False)
            last = pledge.checkins.aggregate(last=models.Max("number"))["last"] or 0
            return cls.objects.create(
                pledge=pledge, number=last + 1, prompt=prompt, created_by=user
            )


class Progress(models.TextChoices):
    DONE = "done", _("I did this")
    TRIED = "tried", _("I tried")
    NOT_YET = "not_yet", _("Not yet")


class Reflection(models.Model):
    """One per signature per check-in, reached only through the signature's return
    secret (cookie or return code), never by name. Visible to the teacher only."""

    signature = models.ForeignKey(Signature, on_delete=models.CASCADE, related_name="reflections")
    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="reflections")
    note = models.TextField(_("what happened"), blank=True)
    talk_request = models.TextField(_("something I'd like to talk to a teacher about"), blank=True)
    exit_answer = models.TextField(_("answer to the exit question"), blank=True)
    note_hidden = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["checkin_id", "created"]
        verbose_name = _("reflection")
        verbose_name_plural = _("reflections")
        constraints = [
            models.UniqueConstraint(
                fields=["signature", "checkin"], name="reflection_one_per_signature_and_round"
            )
        ]

    def __str__(self):
        return f"Reflection {self.pk}"

    def is_flagged(self):
        return bool(self.talk_request)

    def hide_note(self):
        self.note_hidden = True
        self.save(update_fields=["note_hidden", "updated"])

    def show_note(self):
        self.note_hidden = False
        self.save(update_fields=["note_hidden", "updated"])

    @classmethod
    def record(cls, *, signature, checkin, progress, note="", talk_request="", exit_answer=None,
               typed_in_by=None):  # fmt: skip
        """Save a reflection for a round, from the student or typed in from a paper sheet
        (by `typed_in_by`); a second call edits the first. The caller has checked that the
        commitments in `progress` (commitment -> Progress value) belong to the signature.

        A message for the teacher is never lost: an empty talk box keeps the earlier one,
        and new words are added below it, and become a concern that reaches the teacher
        and the safeguarding leads (Concern.raise_for). An exit answer of None keeps the
        earlier one (a paper sheet has none). The row is locked while it is read, so two
        sends at once can't drop each other's message."""
        new_words = talk_request
        with transaction.atomic():
            earlier = (
                cls.objects.select_for_update()
                .filter(signature=signature, checkin=checkin)
                .values("talk_request", "exit_answer")
                .first()
            ) or {"talk_request": "", "exit_answer": ""}
            before = earlier["talk_request"]
            if before and talk_request and talk_request != before:
                talk_request = f"{before}\n\n{talk_request}"
            elif before:
                talk_request = before
            if exit_answer is None:
                exit_answer = earlier["exit_answer"]
            reflection, _created = cls.objects.update_or_create(
                signature=signature,
                checkin=checkin,
                defaults={"note": note, "talk_request": talk_request, "exit_answer": exit_answer},
            )
            reflection.items.all().delete()
            ReflectionItem.objects.bulk_create(
                ReflectionItem(reflection=reflection, commitment=commitment, progress=value)
                for commitment, value in progress.items()
            )
            if new_words and new_words != before:
                Concern.raise_for(
                    reflection, new_words, typed_in_by=typed_in_by
                ).notify_on_commit()
        return reflection


class ReflectionItem(models.Model):
    reflection = models.ForeignKey(Reflection, on_delete=models.CASCADE, related_name="items")
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="+")
    progress = models.CharField(max_length=10, choices=Progress.choices)

    class Meta:
        verbose_name = _("reflection item")
        verbose_name_plural = _("reflection items")
        constraints = [
            models.UniqueConstraint(
                fields=["reflection", "commitment"], name="reflectionitem_one_per_commitment"
            ),
            models.CheckConstraint(
                condition=Q(progress__in=Progress.values), name="reflectionitem_progress_valid"
            ),
        ]

    def __str__(self):
        return f"{self.commitment_id}: {self.progress}"


# Concerns ---------------------------------------------------------------------------------

# However often a student adds to one message for a teacher, it stays readable in one sitting.
CONCERN_MAX_LENGTH = 2000


class ConcernState(models.TextChoices):
    """A concern is new until someone handles it; "seen" (opened by someone, not yet
    handled) is read from its audit trail, so reading one changes no state."""

    NEW = "new", _("New")
    HANDLED = "handled", _("Handled")
    RECORDED = "recorded", _("Recorded in the school's system")


class ConcernQuerySet(models.QuerySet):
    def unhandled(self):
        return self.filter(state=ConcernState.NEW)

    def for_list(self):
        """Unhandled first, newest first within each, with whether anyone opened it."""
        opened = ConcernEvent.objects.filter(
            concern=models.OuterRef("pk"), action=ConcernEvent.Action.OPENED
        )
        return self.annotate(seen=models.Exists(opened)).order_by(
            models.Case(models.When(state=ConcernState.NEW, then=0), default=1),
            "-created",
            "-pk",
        )


class Concern(models.Model):
    """A student's "talk to a teacher" message, on its way to someone who acts on it.

    Independent of moderation: hiding a name or holding it for approval never hides a
    concern. It keeps its own copy of the words and of where they came from, so it
    outlives the reflection's clean-up, and an unhandled concern is never anonymised
    (pledges.retention). The class teacher and every designated safeguarding lead are
    emailed at once, with the school, class and pledge but never the child's words or
    name: email leaves the school's control."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="concerns")
    classroom = models.ForeignKey(
        "Classroom", on_delete=models.SET_NULL, null=True, related_name="concerns"
    )
    pledge = models.ForeignKey(
        "Pledge", on_delete=models.SET_NULL, null=True, blank=True, related_name="concerns"
    )
    reflection = models.ForeignKey(
        "Reflection", on_delete=models.SET_NULL, null=True, blank=True, related_name="concerns"
    )
    class_name = models.CharField(_("class"), max_length=80)
    pledge_title = models.CharField(_("pledge"), max_length=150)
    student_name = models.CharField(_("student's name"), max_length=40)
    message = models.TextField(_("message for a teacher"), max_length=CONCERN_MAX_LENGTH)
    typed_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Set when a teacher typed the message in from a paper sheet."),
    )
    state = models.CharField(max_length=10, choices=ConcernState.choices, default=ConcernState.NEW)
    action_note = models.TextField(_("what was done"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = ConcernQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        indexes = [models.Index(fields=["school", "state"], name="concern_school_state")]

    def __str__(self):
        return f"Concern {self.pk} ({self.state})"

    def get_absolute_url(self):
        return reverse("pledges:concern-detail", args=[self.pk])

    def is_open(self):
        return self.state == ConcernState.NEW

    @classmethod
    def raise_for(cls, reflection, words, *, typed_in_by=None):
        """New words for a teacher from `reflection`'s student: added to the concern
        still open for it, or a new concern. Returns the concern, to notify once the
        transaction has committed (`notify_on_commit`)."""
        words = words.strip()
        if not words:
            return None
        with transaction.atomic():  # the row lock below needs one, wherever called
            signature = reflection.signature
            pledge = signature.pledge
            concern = (
                cls.objects.select_for_update()
                .unhandled()
                .filter(reflection=reflection)
                .order_by("-created")
                .first()
            )
            if concern is not None:
                concern.message = f"{concern.message}\n\n{words}"[:CONCERN_MAX_LENGTH]
                concern.notified_at = None  # new words: tell them again
                concern.save(update_fields=["message", "notified_at", "updated"])
            else:
                classroom = pledge.classroom
                concern = cls.objects.create(
                    school_id=classroom.school_id,
                    classroom=classroom,
                    pledge=pledge,
                    reflection=reflection,
                    class_name=classroom.name,
                    pledge_title=pledge.title,
                    student_name=signature.display_name,
                    message=words[:CONCERN_MAX_LENGTH],
                    typed_in_by=typed_in_by,
                )
            ConcernEvent.objects.create(
                concern=concern,
                user=typed_in_by,
                action=ConcernEvent.Action.TYPED_IN if typed_in_by else ConcernEvent.Action.RAISED,
            )
            return concern

    def recipients(self):
        """The class teacher and every DSL of the school, once each."""
        users = get_user_model().objects.filter(is_active=True).exclude(email="")
        dsl = Q(membership__school_id=self.school_id, membership__is_dsl=True)
        teacher = Q(classrooms__pk=self.classroom_id) if self.classroom_id else Q(pk__in=[])
        return list(users.filter(dsl | teacher).distinct().order_by("pk"))

    def notify(self):
        """Email the people who must know. The email names the school, class and pledge
        and links here; never the child's words or name. Returns True when sent."""
        recipients = self.recipients()
        context = {
            "concern": self,
            "school": self.school,
            "link": settings.SITE_URL + self.get_absolute_url(),
        }
        try:
            send_mail(
                render_to_string("pledges/concern_email_subject.txt", context).strip(),
                render_to_string("pledges/concern_email.txt", context),
                None,
                [user.email for user in recipients],
            )
        except Exception:  # noqa: BLE001 - any mail failure: keep the concern, retry later
            logger.exception(
                "Could not email concern %s; it is saved and will be retried.", self.pk
            )
            return False
        self.notified_at = timezone.now()
        type(self).objects.filter(pk=self.pk).update(notified_at=self.notified_at)
        ConcernEvent.objects.create(concern=self, action=ConcernEvent.Action.NOTIFIED)
        return True

    def notify_on_commit(self):
        transaction.on_commit(self.notify)

    def open_by(self, user):
        """Someone read it: a line in the DSL's audit trail (and so it reads as seen)."""
        ConcernEvent.objects.create(concern=self, user=user, action=ConcernEvent.Action.OPENED)

    def handle(self, user, note):
        """What was done, by whom and when. Closes it on our side."""
        with transaction.atomic():
            self.state = ConcernState.HANDLED
            self.action_note = note
            self.handled_by = user
            self.handled_at = timezone.now()
            self.save(
                update_fields=["state", "action_note", "handled_by", "handled_at", "updated"]
            )
            ConcernEvent.objects.create(
                concern=self, user=user, action=ConcernEvent.Action.HANDLED
            )

    def mark_recorded(self, user):
        """Copied into the school's safeguarding system (CPOMS, MyConcern, a paper log):
        that record is the one that counts now, and retention may clear this one."""
        with transaction.atomic():
            self.state = ConcernState.RECORDED
            if self.handled_at is None:
                self.handled_by, self.handled_at = user, timezone.now()
            self.save(update_fields=["state", "handled_by", "handled_at", "updated"])
            ConcernEvent.objects.create(
                concern=self, user=user, action=ConcernEvent.Action.RECORDED
            )


class ConcernEvent(models.Model):
    """The audit trail the DSL reads: who raised, opened, handled and recorded a concern."""

    class Action(models.TextChoices):
        RAISED = "raised", _("Raised by the student")
        TYPED_IN = "typed_in", _("Typed in from a paper sheet")
        NOTIFIED = "notified", _("Teacher and safeguarding leads emailed")
        OPENED = "opened", _("Opened")
        HANDLED = "handled", _("Marked handled")
        RECORDED = "recorded", _("Recorded in the school's system")

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="events")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("concern event")
        verbose_name_plural = _("concern events")

    def __str__(self):
        return f"{self.action} at {self.at:%Y-%m-%d %H:%M}"
