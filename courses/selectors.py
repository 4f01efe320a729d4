"""Reads about courses and progress. Query counts stay flat as steps and learners grow.

A course that changes after a learner finished it: completion (and the certificate) stand.
Completion needs every live step done, so a step a finished learner has not done was
published after they finished; it shows as "mới" (new) and optional for them, and their
progress stays 100 %. Learners who have not finished must do it like any other step.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Count, F, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from wagtail import hooks
from wagtail.models import Page

from accounts.collation import vietnamese

from .models import CoursePage, Enrollment, StepProgress


@dataclass
class Step:
    """A step of a course as the outline shows it."""

    page: Page
    number: int
    kind: str  # the page model's name: "lessonpage", "quizpage", …
    done: bool = False
    # Published after this learner completed the course: optional for them.
    new: bool = False


@dataclass
class CourseProgress:
    course: CoursePage
    steps: list[Step]
    enrollment: Enrollment | None = None
    done_ids: set[int] = field(default_factory=set)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def done_count(self) -> int:
        return sum(1 for step in self.steps if step.done)

    @property
    def percent(self) -> int:
        if self.is_complete:  # steps published since then are optional
            return 100
        return round(100 * self.done_count / self.total) if self.total else 0

    @property
    def new_count(self) -> int:
        return sum(1 for step in self.steps if step.new)

    @property
    def next_step(self) -> Step | None:
        return next((step for step in self.steps if not step.done), None)

    @property
    def is_complete(self) -> bool:
        return self.enrollment is not None and self.enrollment.completed_at is not None

    def neighbours(self, page_id: int) -> tuple[Step | None, Step | None]:
        """The steps before and after the given one."""
        ids = [step.page.pk for step in self.steps]
        if page_id not in ids:
            return None, None
        index = ids.index(page_id)
        previous = self.steps[index - 1] if index > 0 else None
        following = self.steps[index + 1] if index + 1 < len(self.steps) else None
        return previous, following


# What an outline needs of each step page: its title and URL, nothing else.
OUTLINE_FIELDS = ("id", "title", "path", "depth", "url_path", "content_type_id", "live")


def _steps_from_pages(pages) -> list[Step]:
    return [
        Step(
            page=page,
            number=number,
            kind=ContentType.objects.get_for_id(page.content_type_id).model,
        )
        for number, page in enumerate(pages, start=1)
    ]


OUTLINE_CACHE_SECONDS = 300


def outline_cache_key(course_path: str, course_url_path: str) -> str:
    return f"course-outline:{course_path}:{course_url_path}"


def course_family(*, course_path: str, course_url_path: str) -> list[Page]:
    """The course page and its live steps in tree order, light pages only.

    Every learner of a course sees the same outline, so it is cached. The key holds the
    course's URL path as well as its tree position: renaming or moving any ancestor
    (the catalogue) gives the course a new URL path, so no outline with old step links
    is read again. Publishing, unpublishing, moving or deleting the course or a step
    drops the entry after commit (courses/signals.py); it expires in a few minutes anyway.
    """
    key = outline_cache_key(course_path, course_url_path)
    family = cache.get(key)
    if family is None:
        depth = len(course_path) // Page.steplen
        family = list(
            Page.objects.filter(
                Q(path=course_path) | Q(path__startswith=course_path, depth=depth + 1, live=True)
            )
            .only(*OUTLINE_FIELDS)
            .order_by("path")
        )
        cache.set(key, family, OUTLINE_CACHE_SECONDS)
    return family


def course_steps(*, course: CoursePage) -> list[Step]:
    """The live child pages of a course in tree order."""
    return _steps_from_pages(
        course_family(course_path=course.path, course_url_path=course.url_path)[1:]
    )


PROGRESS_CACHE_SECONDS = 300


def progress_cache_key(user_id: int, course_id: int) -> str:
    return f"course-progress:{user_id}:{course_id}"


def _progress_rows(user, course_id: int) -> list[tuple]:
    """The learner's enrolment joined to its progress rows (a learner with no step done
    still comes back as one row, step NULL).

    Cached per learner and course; courses.services drops the entry whenever it
    enrols the learner or records a step.
    """
    key = progress_cache_key(user.pk, course_id)
    rows = cache.get(key)
    if rows is None:
        rows = list(
            Enrollment.objects.filter(user=user, course_id=course_id).values_list(
                "pk", "started_at", "completed_at", "steps_done__step_id"
            )
        )
        cache.set(key, rows, PROGRESS_CACHE_SECONDS)
    return rows


def _mark_done(progress: CourseProgress, user) -> CourseProgress:
    """Fill in the learner's enrolment and done steps (one query, or none when cached)."""
    if not user.is_authenticated:
        return progress
    rows = _progress_rows(user, progress.course.pk)
    if not rows:
        return progress
    pk, started_at, completed_at, _step = rows[0]
    progress.enrollment = Enrollment(
        pk=pk,
        user=user,
        course_id=progress.course.pk,
        started_at=started_at,
        completed_at=completed_at,
    )
    progress.done_ids = {step_id for *_fields, step_id in rows if step_id is not None}
    for step in progress.steps:
        step.done = step.page.pk in progress.done_ids
        step.new = completed_at is not None and not step.done
    return progress


def course_progress(*, course: CoursePage, user) -> CourseProgress:
    """The outline of a course with this learner's done marks (two queries)."""
    return _mark_done(CourseProgress(course=course, steps=course_steps(course=course)), user)


def step_context(*, step: Page, user) -> dict:
    """What a step page shows around its content: its course, outline, neighbours, done mark.

    The course and its steps come from the outline cache, found through the tree path.
    """
    parent_path = step.path[: -Page.steplen]
    parent_url_path = step.url_path[: step.url_path.rstrip("/").rfind("/") + 1]
    family = course_family(course_path=parent_path, course_url_path=parent_url_path)
    if not family or family[0].path != parent_path or not family[0].live:
        return {"course": None, "progress": None}
    course, siblings = family[0], family[1:]
    progress = _mark_done(CourseProgress(course=course, steps=_steps_from_pages(siblings)), user)
    previous, following = progress.neighbours(step.pk)
    return {
        "course": course,
        "progress": progress,
        "previous_step": previous,
        "next_step": following,
        "step_done": step.pk in progress.done_ids,
        "step_new": any(s.new for s in progress.steps if s.page.pk == step.pk),
        "enrolled": progress.enrollment is not None,
    }


def course_of_step(*, step: Page) -> CoursePage | None:
    """The live course a step belongs to, or None."""
    parent = step.get_parent()
    if parent is None or not parent.live:
        return None
    return CoursePage.objects.live().filter(pk=parent.pk).first()


@dataclass
class CourseCard:
    course: CoursePage
    total_steps: int
    done_steps: int = 0
    enrolled: bool = False
    completed: bool = False
    started_at: datetime | None = None
    # Set when the course is assigned to the learner (by their ward); listed first.
    due_date: date | None = None

    @property
    def percent(self) -> int:
        if self.completed:  # steps published since then are optional
            return 100
        return round(100 * self.done_steps / self.total_steps) if self.total_steps else 0

    @property
    def new_steps(self) -> int:
        """Steps published after the learner completed the course (optional for them)."""
        return max(0, self.total_steps - self.done_steps) if self.completed else 0

    @property
    def assigned(self) -> bool:
        return self.due_date is not None

    @property
    def overdue(self) -> bool:
        return self.assigned and not self.completed and self.due_date < timezone.localdate()


def assigned_due_dates(*, user) -> dict[int, date]:
    """Course id -> due date of the courses assigned to this learner; the earliest date wins.

    Assignments belong to another app (training), which registers a function under the
    Wagtail hook "learner_course_due_dates"; courses stays unaware of wards.
    """
    due_dates: dict[int, date] = {}
    if not user.is_authenticated:
        return due_dates
    for source in hooks.get_hooks("learner_course_due_dates"):
        for course_id, due in source(user).items():
            due_dates[course_id] = min(due, due_dates.get(course_id, due))
    return due_dates


def catalogue(
    *, index: Page, user, due_dates: Mapping[int, date] | None = None
) -> list[CourseCard]:
    """Live courses under a catalogue page, in Vietnamese alphabetical order, with progress.

    Courses in `due_dates` (course id -> due date: those assigned to the learner)
    come first, soonest due first. One query, whatever the number of courses.
    """
    courses = CoursePage.objects.live().child_of(index).order_by(vietnamese("title"))
    return _cards(courses, user, due_dates or {})


def _count(queryset) -> Subquery:
    """The number of rows of `queryset` (filtered on OuterRef), as a subquery; 0 for none."""
    counted = queryset.order_by().annotate(group=Value(1)).values("group")
    return Coalesce(Subquery(counted.annotate(n=Count("pk")).values("n")[:1]), 0)


def _with_progress(courses, user):
    """The courses with their number of live steps and, for a learner, their enrolment:
    subqueries of the one courses query, so a page costs one query for any number of courses."""
    courses = courses.select_related("cover_image").annotate(
        total_steps=_count(
            Page.objects.filter(
                live=True, depth=OuterRef("depth") + 1, path__startswith=OuterRef("path")
            )
        )
    )
    if not user.is_authenticated:
        return courses
    mine = Enrollment.objects.filter(user=user, course=OuterRef("pk"))
    return courses.annotate(
        enrolled_at=Subquery(mine.values("started_at")[:1]),
        completed_at=Subquery(mine.values("completed_at")[:1]),
        done_steps=_count(
            StepProgress.objects.filter(
                enrollment__user=user, enrollment__course=OuterRef("pk"), step__live=True
            )
        ),
    )


def _cards(courses, user, due_dates: Mapping[int, date]) -> list[CourseCard]:
    cards = []
    for course in _with_progress(courses, user):
        card = CourseCard(
            course=course, total_steps=course.total_steps, due_date=due_dates.get(course.pk)
        )
        if getattr(course, "enrolled_at", None) is not None:
            card.enrolled = True
            card.started_at = course.enrolled_at
            card.done_steps = course.done_steps
            card.completed = course.completed_at is not None
        cards.append(card)
    # Assigned courses first, soonest due first; the rest keep their order.
    return sorted(cards, key=lambda card: (not card.assigned, card.due_date or date.max))


def course_current_for_learner(*, user) -> CoursePage | None:
    """The live course this learner touched last (started or did a step in) and has not finished."""
    if not user.is_authenticated:
        return None
    enrollment = (
        Enrollment.objects.filter(user=user, completed_at__isnull=True, course__live=True)
        .annotate(last_activity=Coalesce(Max("steps_done__completed_at"), F("started_at")))
        .select_related("course")
        .order_by("-last_activity", "-pk")
        .first()
    )
    return enrollment.course if enrollment else None


def learner_course_cards(*, user, due_dates: Mapping[int, date] | None = None) -> list[CourseCard]:
    """The courses this learner has started or been assigned, with progress.

    A fixed number of queries, whatever the number of courses.
    """
    due_dates = due_dates or {}
    courses = (
        CoursePage.objects.live()
        .filter(
            Q(pk__in=Enrollment.objects.filter(user=user).values("course"))
            | Q(pk__in=list(due_dates))
        )
        .order_by("path")
    )
    cards = _cards(courses, user, due_dates)
    # Assigned first (soonest due), then the most recently started.
    return sorted(
        cards,
        key=lambda card: (
            not card.assigned,
            card.due_date or date.max,
            -(card.started_at.timestamp() if card.started_at else 0),
        ),
    )
