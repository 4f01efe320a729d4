"""Course content (Wagtail pages) and learners' progress through it.

A course is a CoursePage whose live children, in tree order, are its steps:
LessonPages here and QuizPages from the quizzes app. This app knows steps only
as pages; whether a step is done is recorded in StepProgress, by whoever
decides it (a lesson read, a quiz passed).
"""

from django import forms
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from .blocks import LessonStreamBlock
from .restrictions import CachedViewRestrictionsMixin
from .routing import DirectlyRouted


class CompetenceDomain(models.Model):
    """A domain of the digital competence framework (Circular 02/2025/TT-BGDĐT)."""

    number = models.PositiveSmallIntegerField(_("số thứ tự"), unique=True)
    name = models.CharField(_("tên"), max_length=120)

    class Meta:
        ordering = ["number"]
        verbose_name = _("miền năng lực số")
        verbose_name_plural = _("các miền năng lực số")

    def __str__(self):
        return f"{self.number}. {self.name}"


class BasicSkill(models.Model):
    """One of the "5 kỹ năng số cơ bản" for households."""

    key = models.SlugField(unique=True)
    name = models.CharField(_("tên"), max_length=120)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("kỹ năng số cơ bản")
        verbose_name_plural = _("các kỹ năng số cơ bản")

    def __str__(self):
        return self.name


class CourseIndexPage(DirectlyRouted, CachedViewRestrictionsMixin, Page):
    """The catalogue: every live course below it, as cards."""

    intro = RichTextField(_("giới thiệu"), blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["courses.CoursePage"]

    def get_context(self, request, *args, **kwargs):
        from .selectors import assigned_due_dates, catalogue  # selectors import these models

        context = super().get_context(request, *args, **kwargs)
        context["cards"] = catalogue(
            index=self, user=request.user, due_dates=assigned_due_dates(user=request.user)
        )
        return context

    class Meta:
        verbose_name = _("danh mục khóa học")


class CoursePage(DirectlyRouted, CachedViewRestrictionsMixin, Page):
    class Level(models.TextChoices):
        BEGINNER = "beginner", _("Mới bắt đầu")
        BASIC = "basic", _("Cơ bản")
        INTERMEDIATE = "intermediate", _("Trung cấp")

    class Audience(models.TextChoices):
        CITIZENS = "citizens", _("Người dân")
        CADRES = "cadres", _("Cán bộ")

    summary = models.TextField(_("tóm tắt"), max_length=300)
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("ảnh bìa"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    estimated_minutes = models.PositiveSmallIntegerField(_("thời gian học (phút)"), default=30)
    level = models.CharField(_("trình độ"), max_length=20, choices=Level, default=Level.BEGINNER)
    audience = models.CharField(
        _("dành cho"), max_length=20, choices=Audience, default=Audience.CITIZENS
    )
    competence_domains = ParentalManyToManyField(
        CompetenceDomain, blank=True, verbose_name=_("miền năng lực số")
    )
    basic_skills = ParentalManyToManyField(
        BasicSkill, blank=True, verbose_name=_("kỹ năng số cơ bản")
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("cover_image"),
        MultiFieldPanel(
            [
                FieldPanel("estimated_minutes"),
                FieldPanel("level"),
                FieldPanel("audience"),
                FieldPanel("competence_domains", widget=forms.CheckboxSelectMultiple),
                FieldPanel("basic_skills", widget=forms.CheckboxSelectMultiple),
            ],
            heading=_("Thông tin khóa học"),
        ),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary")]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage", "quizzes.QuizPage"]
    # Editors see a course's lessons and quiz in the order learners take them.
    admin_default_ordering = "ord"

    def get_context(self, request, *args, **kwargs):
        from .selectors import course_progress

        context = super().get_context(request, *args, **kwargs)
        context["progress"] = course_progress(course=self, user=request.user)
        return context

    class Meta:
        verbose_name = _("khóa học")


class LessonPage(DirectlyRouted, CachedViewRestrictionsMixin, Page):
    summary = models.CharField(_("tóm tắt"), max_length=250, blank=True)
    body = StreamField(LessonStreamBlock(), verbose_name=_("nội dung bài học"))

    content_panels = [*Page.content_panels, FieldPanel("summary"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("body")]
    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []

    def get_context(self, request, *args, **kwargs):
        from .selectors import step_context

        context = super().get_context(request, *args, **kwargs)
        context.update(step_context(step=self, user=request.user))
        return context

    class Meta:
        verbose_name = _("bài học")


class Enrollment(models.Model):
    """A learner taking a course; complete when every step is done."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    course = models.ForeignKey(CoursePage, on_delete=models.CASCADE, related_name="enrollments")
    started_at = models.DateTimeField(_("bắt đầu"), default=timezone.now)
    completed_at = models.DateTimeField(_("hoàn thành"), null=True, blank=True)

    class Meta:
        verbose_name = _("lượt ghi danh")
        verbose_name_plural = _("lượt ghi danh")
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="one_enrollment_per_course"),
        ]
        indexes = [models.Index(fields=["course", "completed_at"])]

    def __str__(self):
        return f"{self.user} · {self.course}"


class StepProgress(models.Model):
    """One step of a course done by one learner. Percentages are derived, never stored."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="steps_done")
    step = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="+")
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("bước đã xong")
        verbose_name_plural = _("các bước đã xong")
        constraints = [
            # Two tabs completing the same step record it once.
            models.UniqueConstraint(fields=["enrollment", "step"], name="one_progress_per_step"),
        ]

    def __str__(self):
        return f"{self.enrollment} · {self.step_id}"
