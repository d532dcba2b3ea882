"""Schools, classrooms, class pledges and the signatures students add to them.

Students never have accounts. A signature is a display name and ticked commitments; the
only other thing kept is a random return secret (in the signing device's cookie) and a
short return code the student can write down, so they can come back to withdraw or
reflect. No email, IP address or device id is stored.
"""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.postgres.fields import ArrayField
from django.core.mail import send_mail
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from allyship_site import prepared
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
        checkins = (
            CheckIn.objects.filter(pledge=models.OuterRef("pk"))
            .order_by()
            .values("pledge")
            .annotate(n=Count("pk"))
            .values("n")
        )
        talks = (
            Reflection.objects.filter(
                signature__pledge=models.OuterRef("pk"),
                signature__hidden=False,
                signature__approved=True,
            )
            .exclude(talk_request="")
            .order_by()
            .values("signature__pledge")
            .annotate(n=Count("pk"))
            .values("n")
        )
        pledges = Pledge.objects.with_counts().annotate(
            checkin_count=Coalesce(models.Subquery(checkins), 0),
            talk_count=Coalesce(models.Subquery(talks), 0),
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


class PledgeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    PAUSED = "paused", _("Paused")
    CLOSED = "closed", _("Closed")


def _count_signatures(condition, params=()):
    """COUNT(*) of the row's pledge's signatures matching `condition`: see _of_signatures."""
    return _of_signatures("COUNT(*)", condition, params)


def _of_signatures(aggregate, condition, params=(), output_field=None):
    """`aggregate` (SQL) over the row's pledge's signatures matching `condition` (SQL over
    the signature table's columns), as a correlated subquery on the pledge table.

    Written as SQL rather than a Subquery() of querysets: Django spends ~1.5 ms of Python
    compiling that Subquery on every request, more than the query itself takes, and
    these counts are on the hottest pages (the pledge a whole school is signing)."""
    sql = (
        f"SELECT {aggregate} FROM {_table(Signature)} "  # noqa: S608 (names only)
        f"WHERE {_column(Signature, 'pledge')} = {_column(Pledge, 'id')} AND {condition}"
    )
    output_field = output_field or models.IntegerField()
    return RawSQL(sql, params, output_field=output_field)  # noqa: S611 (names only)


def _open_checkin_id():
    """The id of the row's pledge's newest open check-in, or NULL, as a subquery."""
    column = partial(_column, CheckIn)
    sql = (
        f"SELECT {column('id')} FROM {_table(CheckIn)} "  # noqa: S608 (names only)
        f"WHERE {column('pledge')} = {_column(Pledge, 'id')} AND {column('is_open')} "
        f"ORDER BY {column('number')} DESC LIMIT 1"
    )
    return RawSQL(sql, (), output_field=models.BigIntegerField())  # noqa: S611 (names only)


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, name):
    """A model's column, qualified with its table and quoted, for the SQL above."""
    column = model._meta.get_field(name).column
    return f"{_table(model)}.{connection.ops.quote_name(column)}"


def _signature_column(name):
    """A signature column, for _of_signatures() conditions."""
    return _column(Signature, name)


def _visible_signatures():
    """The condition on signatures that students and teachers see counted."""
    return f"{_signature_column('approved')} AND NOT {_signature_column('hidden')}"


def signing_cap_since():
    """The start of the minute whose signatures count against the signing cap."""
    return timezone.now() - timedelta(seconds=60)


class PledgeQuerySet(models.QuerySet):
    def with_counts(self):
        """Annotate the count students and teachers see: approved, not hidden.

        A correlated subquery per pledge (an index range scan on the signatures of that
        pledge) rather than a join and GROUP BY over every signature: at district scale
        the join made a pledge page aggregate half a million rows."""
        return self.annotate(signature_count=_count_signatures(_visible_signatures()))

    def for_sign_page(self):
        """Annotate what the public pledge page shows and is cached by (see
        pledges.page_cache): the count and newest id of the shown signatures, and the open
        check-in's id. One query, so a cached page costs one round trip."""
        return self.with_counts().annotate(
            newest_visible_id=_of_signatures(f"MAX({_signature_column('id')})",
                                             _visible_signatures()),
            open_checkin_id=_open_checkin_id(),
        )  # fmt: skip

    def with_signatures_version(self):
        """Annotate `signatures_version`: the count and newest id of all the pledge's
        signatures. With `signature_edits` it changes whenever any of them does: a new
        one raises the count, and everything else bumps `signature_edits`. Kept pages
        are keyed on it."""
        # One scan of the pledge's signatures for both, as text: "500-123456".
        version = f"COUNT(*) || '-' || COALESCE(MAX({_signature_column('id')}), 0)"
        return self.annotate(
            signatures_version=_of_signatures(version, "1 = 1", output_field=models.TextField())
        )

    def for_signing(self, since=None):
        """Annotate what signing checks, in the pledge's own query rather than more of
        them on every signature: how many came in the last minute (the signing cap; or
        since `since`) and, on PostgreSQL, the ids of its commitments
        (`allowed_commitment_ids`). Elsewhere the ids come from Pledge.commitment_list()."""
        since = since or signing_cap_since()
        created = _signature_column("created")
        pledges = self.annotate(recent_signatures=_count_signatures(f"{created} >= %s", (since,)))
        if connection.vendor != "postgresql":
            return pledges
        sql = (
            f"ARRAY(SELECT {_column(Commitment, 'id')} FROM {_table(Commitment)} "  # noqa: S608
            f"WHERE {_column(Commitment, 'pledge')} = {_column(Pledge, 'id')})"
        )
        ids = RawSQL(sql, (), output_field=ArrayField(models.BigIntegerField()))  # noqa: S611
        return pledges.annotate(allowed_commitment_ids=ids)

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
    # Bumped whenever signatures change other than by a new one: withdrawing, moderation,
    # anonymising, an edit or delete in the admin. Kept pages (pledges.page_cache) are
    # keyed on it with the count and newest id of the signatures, which a new one
    # changes; signing never writes to the pledge's row.
    signature_edits = models.PositiveIntegerField(default=0, editable=False)
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

    def open(self):
        self.status = PledgeStatus.OPEN
        self.opened_at = self.opened_at or timezone.now()
        self.closed_at = None
        self.save(update_fields=["status", "opened_at", "closed_at", "updated"])

    def pause(self):
        self.status = PledgeStatus.PAUSED
        self.save(update_fields=["status", "updated"])

    def close(self):
        self.status = PledgeStatus.CLOSED
        self.closed_at = timezone.now()
        self.save(update_fields=["status", "closed_at", "updated"])

    def rotate_join_code(self):
        """Issue a new code; the old one stops working at once."""
        self.join_code = _unique_code(Pledge, "join_code", codes.new_join_code)
        self.save(update_fields=["join_code", "updated"])

    def signatures_edited(self):
        """Say that this pledge's signatures changed (see `signature_edits`)."""
        Pledge.objects.filter(pk=self.pk).update(signature_edits=models.F("signature_edits") + 1)

    def visible_signatures(self):
        return self.signatures.filter(hidden=False, approved=True)

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
        """The check-in students answer now: the newest round the teacher left open (the
        same rule as the `open_checkin_id` annotation of `for_sign_page`)."""
        return self.checkins.open().order_by("-number").first()

    def has_open_checkin(self):
        """Whether students can reflect now: from the pledge's query when it asked
        (`for_sign_page`), else from the database."""
        if hasattr(self, "open_checkin_id"):
            return self.open_checkin_id is not None
        return self.checkins.open().exists()

    def is_over_signing_cap(self):
        """True when this pledge took more signatures in the last minute than any class
        would: a leaked code being flooded. Teachers can also pause."""
        recent = getattr(self, "recent_signatures", None)
        if recent is None:
            recent = self.signatures.filter(created__gte=signing_cap_since()).count()
        return recent >= settings.PLEDGE_SIGNATURES_PER_MINUTE

    def commitment_ids(self):
        """The ids of the commitments a signature may tick: from the pledge's query when
        it brought them (Pledge.objects.for_signing), else from commitment_list()."""
        allowed = getattr(self, "allowed_commitment_ids", None)
        if allowed is not None:
            return set(allowed)
        return {commitment.pk for commitment in self.commitment_list()}

    def commitment_list(self):
        """The commitments in order. Only a draft can be edited, so once a pledge is
        open they never change: they are kept in this process's memory (keyed by the
        pledge's random link token too, so a reused id can't pick up another pledge's),
        and drawing its sign form reads them once per process."""
        if self.status == PledgeStatus.DRAFT:
            return list(self.commitments.order_by("order"))
        key = (self.pk, self.link_token)
        commitments = _commitment_lists.get(key)
        if commitments is None:
            commitments = list(self.commitments.order_by("order"))
            if len(_commitment_lists) >= _COMMITMENT_LISTS_KEPT:
                _commitment_lists.pop(next(iter(_commitment_lists)))  # the oldest
            _commitment_lists[key] = commitments
        return commitments


# Pledges' fixed commitment lists, by (id, link token); see Pledge.commitment_list().
_commitment_lists = {}
_COMMITMENT_LISTS_KEPT = 5000


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


class AlreadySigned(Exception):
    """The same name already signed this pledge."""

    def __init__(self, signature):
        self.signature = signature
        super().__init__("already signed")


class PledgeGone(Exception):
    """The pledge was deleted while a student was signing it."""


class SignatureQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(hidden=False, approved=True)


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
        in_one_statement = connection.vendor == "postgresql" and not connection.in_atomic_block
        insert = cls._insert_in_one_statement if in_one_statement else cls._insert_in_a_transaction
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
                if insert(signature, commitment_ids):
                    return signature
            except IntegrityError:  # one statement: its foreign keys are checked at its end
                pass
            existing = cls.objects.filter(pledge=pledge, name_key=name_key).first()
            if existing is not None:
                raise AlreadySigned(existing)
            if not Pledge.objects.filter(pk=pledge.pk).exists():
                raise PledgeGone  # its teacher deleted it a moment ago
            # Not the name, so the new return code or secret was taken (1 in 31**8 for
            # the code within a pledge): draw new ones.
        raise IntegrityError(f"No free return code for a signature after {cls.SIGN_TRIES} tries")

    @classmethod
    def _insert_in_a_transaction(cls, signature, commitment_ids):
        try:
            with transaction.atomic():
                signature.save()
                # One INSERT for the links; .set() would first read the (empty) set.
                cls.commitments.through.objects.bulk_create(
                    cls.commitments.through(signature=signature, commitment_id=pk)
                    for pk in commitment_ids
                )
        except IntegrityError:
            return False
        return True

    @classmethod
    def _insert_in_one_statement(cls, signature, commitment_ids):
        """PostgreSQL: the signature and its ticks in one statement, which commits on its
        own (autocommit): one round trip where the ORM needs BEGIN, two INSERTs and
        COMMIT. A school signs in the minutes after an assembly, so this is the hot path.
        A clash with the unique constraints inserts nothing, as in the ORM version."""
        signature.created = timezone.now()
        fields = [f for f in cls._meta.concrete_fields if not f.primary_key]
        links = cls.commitments.through._meta
        link_to_signature = links.get_field("signature").column
        link_to_commitment = links.get_field("commitment").column
        quote = connection.ops.quote_name
        # Only names from the models, quoted, go into the text; every value is a parameter.
        sql = (
            f"WITH new AS (INSERT INTO {_table(cls)} "  # noqa: S608
            f"({', '.join(quote(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) "
            f"ON CONFLICT DO NOTHING RETURNING {quote(cls._meta.pk.column)}), "
            f"ticks AS (INSERT INTO {_table(cls.commitments.through)} "
            f"({quote(link_to_signature)}, {quote(link_to_commitment)}) "
            f"SELECT new.{quote(cls._meta.pk.column)}, ticked FROM new, "
            f"unnest(%s::bigint[]) AS ticked) "
            f"SELECT {quote(cls._meta.pk.column)} FROM new"
        )
        values = [f.get_db_prep_save(f.pre_save(signature, True), connection) for f in fields]
        with connection.cursor() as cursor:
            prepared.execute(connection, cursor, sql, [*values, commitment_ids])
            row = cursor.fetchone()
        if row is None:
            return False
        signature.pk = row[0]
        signature._state.adding = False
        signature._state.db = connection.alias
        return True

    def return_code_display(self):
        return codes.display(self.return_code)

    def is_visible(self):
        return self.approved and not self.hidden


class GuessCounter(models.Model):
    """Wrong join codes per address (hashed) or overall, per time window.

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

    @classmethod
    def record(cls, *, signature, checkin, progress, note="", talk_request="", exit_answer=""):
        """Save a student's reflection for a round; a second call edits the first.

        `progress` maps each of the signature's commitments to a Progress value. The
        caller has checked the commitments belong to the signature."""
        with transaction.atomic():
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
