"""Quizzes: a QuizPage is a step of a course, with a pool of questions edited inline.

Attempts store a snapshot of what was drawn, so later edits of the quiz never
change a past result; the per-answer rows feed the editors' item analysis.
"""

from django.conf import settings
from django.core.cache import cache
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page

from courses.restrictions import CachedViewRestrictionsMixin
from courses.routing import DirectlyRouted

from .forms import QuizPageForm

QUESTION_COUNT_CACHE_SECONDS = 24 * 60 * 60


class AnswerReveal(models.TextChoices):
    """When a learner's result page shows the correct choices (the pool's answer key)."""

    AFTER_PASS = (
        "after_pass",
        _("Khi chưa đạt: chỉ báo câu sai và giải thích; hiện đáp án đúng khi đạt hoặc hết lượt"),
    )
    ALWAYS = "always", _("Luôn hiện đáp án đúng")
    NEVER = "never", _("Không bao giờ hiện đáp án đúng")


class QuizPage(DirectlyRouted, CachedViewRestrictionsMixin, Page):
    intro = RichTextField(_("giới thiệu"), blank=True, features=["bold", "italic", "link"])
    pass_mark = models.PositiveSmallIntegerField(
        _("điểm đạt (%)"), default=70, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    questions_per_attempt = models.PositiveSmallIntegerField(
        _("số câu mỗi lượt làm"),
        default=8,
        validators=[MinValueValidator(1)],
        help_text=_("Rút ngẫu nhiên từ ngân hàng câu hỏi; thứ tự lựa chọn cũng được xáo trộn."),
    )
    max_attempts_per_day = models.PositiveSmallIntegerField(
        _("số lượt làm tối đa mỗi ngày"), default=3, validators=[MinValueValidator(1)]
    )
    # Showing the correct choices after every failed attempt hands out the whole pool's
    # answer key within a day, so by default a failed attempt shows only what was wrong.
    answer_reveal = models.CharField(
        _("hiện đáp án đúng"),
        max_length=20,
        choices=AnswerReveal,
        default=AnswerReveal.AFTER_PASS,
        help_text=_(
            "Giải thích của từng câu luôn được hiện sau khi nộp bài, nên đừng viết lộ đáp án "
            "trong phần giải thích."
        ),
    )

    base_form_class = QuizPageForm
    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldPanel("pass_mark"),
                FieldPanel("questions_per_attempt"),
                FieldPanel("max_attempts_per_day"),
                FieldPanel("answer_reveal"),
            ],
            heading=_("Cách chấm"),
        ),
        InlinePanel("questions", heading=_("Ngân hàng câu hỏi"), label=_("Câu hỏi")),
    ]
    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []

    def get_context(self, request, *args, **kwargs):
        from courses.selectors import step_context

        from . import selectors

        context = super().get_context(request, *args, **kwargs)
        context.update(step_context(step=self, user=request.user))
        if request.user.is_authenticated:
            landing = selectors.quiz_landing(user=request.user, quiz=self)
            context["open_attempt"] = landing.open_attempt
            context["attempts_left"] = landing.attempts_left
            context["history"] = landing.history
        context["question_count"] = min(self.questions_per_attempt, self.question_count())
        return context

    def question_count(self) -> int:
        """Questions in the pool of the live version. Questions change only by publishing,
        so the count is cached under the live revision's id: a new one is a new key."""
        key = f"quiz-questions:{self.pk}:{self.live_revision_id}"
        count = cache.get(key)
        if count is None:
            count = self.questions.count()
            cache.set(key, count, QUESTION_COUNT_CACHE_SECONDS)
        return count

    class Meta:
        verbose_name = _("bài kiểm tra")


class Question(ClusterableModel, Orderable):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Một đáp án đúng")
        MULTIPLE = "multiple", _("Nhiều đáp án đúng")
        TRUE_FALSE = "true_false", _("Đúng / Sai")

    page = ParentalKey(QuizPage, on_delete=models.CASCADE, related_name="questions")
    text = models.TextField(_("câu hỏi"), max_length=1000)
    kind = models.CharField(_("loại câu hỏi"), max_length=20, choices=Kind, default=Kind.SINGLE)
    explanation = models.TextField(_("giải thích"), help_text=_("Hiện sau khi nộp bài."))

    panels = [
        FieldPanel("text"),
        FieldPanel("kind"),
        InlinePanel("choices", label=_("Lựa chọn")),
        FieldPanel("explanation"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("câu hỏi")
        verbose_name_plural = _("câu hỏi")

    def __str__(self):
        return self.text[:80]


class Choice(Orderable):
    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("lựa chọn"), max_length=500)
    is_correct = models.BooleanField(_("đúng"), default=False)

    panels = [FieldPanel("text"), FieldPanel("is_correct")]

    class Meta(Orderable.Meta):
        verbose_name = _("lựa chọn")
        verbose_name_plural = _("lựa chọn")

    def __str__(self):
        return self.text


class QuizAttempt(models.Model):
    """One sitting of a quiz: the drawn questions (snapshot), the answers and the score."""

    class Status(models.TextChoices):
        OPEN = "open", _("Đang làm")
        SUBMITTED = "submitted", _("Đã nộp")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    quiz = models.ForeignKey(QuizPage, on_delete=models.CASCADE, related_name="attempts")
    status = models.CharField(max_length=20, choices=Status, default=Status.OPEN)
    # {"questions": [{"key", "question_id", "text", "kind", "explanation",
    #                 "choices": [{"id", "text", "correct"}]}], "pass_mark": 70}
    snapshot = models.JSONField()
    # {"q1": [choice ids], ...}
    answers = models.JSONField(default=dict, blank=True)
    correct_count = models.PositiveSmallIntegerField(null=True, blank=True)
    question_count = models.PositiveSmallIntegerField()
    score_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lượt làm bài")
        verbose_name_plural = _("lượt làm bài")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "quiz"],
                condition=Q(status="open"),
                name="one_open_attempt_per_quiz",
            ),
            models.CheckConstraint(
                condition=Q(status="open")
                | Q(submitted_at__isnull=False, score_percent__isnull=False),
                name="submitted_attempt_has_score",
            ),
        ]
        indexes = [models.Index(fields=["user", "quiz", "submitted_at"])]

    def __str__(self):
        return f"{self.user} · {self.quiz} · {self.started_at:%d/%m/%Y %H:%M}"


class AttemptAnswer(models.Model):
    """The learner's answer to one drawn question: the source of item analysis."""

    attempt = models.ForeignKey(QuizAttempt, on_delete=models.CASCADE, related_name="answer_rows")
    # Null once an editor deletes the question; the attempt's snapshot keeps its text.
    question = models.ForeignKey(Question, on_delete=models.SET_NULL, null=True, related_name="+")
    chosen = models.ManyToManyField(Choice, related_name="+", blank=True)
    is_correct = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="one_answer_per_question"),
        ]

    def __str__(self):
        return f"{self.attempt_id} · {self.question_id} · {self.is_correct}"
