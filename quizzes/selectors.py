"""Reads about quizzes and attempts."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import AttemptAnswer, Question, QuizAttempt, QuizPage


def _today_start() -> datetime.datetime:
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def attempts_submitted_today(*, user, quiz: QuizPage) -> int:
    """How many attempts this learner submitted on this quiz since local midnight."""
    return QuizAttempt.objects.filter(
        user=user, quiz=quiz, status=QuizAttempt.Status.SUBMITTED, submitted_at__gte=_today_start()
    ).count()


def attempts_left_today(*, user, quiz: QuizPage) -> int:
    """Attempts still allowed today (never negative)."""
    return max(0, quiz.max_attempts_per_day - attempts_submitted_today(user=user, quiz=quiz))


def open_attempt(*, user, quiz: QuizPage) -> QuizAttempt | None:
    """The attempt this learner started and has not submitted, if any."""
    return QuizAttempt.objects.filter(user=user, quiz=quiz, status=QuizAttempt.Status.OPEN).first()


def attempt_history(*, user, quiz: QuizPage, limit: int = 10) -> QuerySet[QuizAttempt]:
    """This learner's submitted attempts on this quiz, newest first."""
    return QuizAttempt.objects.filter(
        user=user, quiz=quiz, status=QuizAttempt.Status.SUBMITTED
    ).order_by("-submitted_at")[:limit]


@dataclass
class QuestionStats:
    """How learners answered one question of the pool."""

    question: Question
    answers: int
    correct: int
    top_wrong_choice: str
    top_wrong_times: int

    @property
    def text(self) -> str:
        return self.question.text

    @property
    def percent_correct(self) -> int | None:
        return round(100 * self.correct / self.answers) if self.answers else None


def quiz_item_analysis(*, quiz: QuizPage) -> list[QuestionStats]:
    """Per question of the quiz: answers, share correct, and the most chosen wrong choice.

    Three aggregate queries, whatever the number of attempts.
    """
    stats = {
        row["question_id"]: row
        for row in AttemptAnswer.objects.filter(question__page=quiz)
        .values("question_id")
        .annotate(answers=Count("id"), correct=Count("id", filter=Q(is_correct=True)))
    }
    wrong_choice_counts = (
        AttemptAnswer.chosen.through.objects.filter(
            attemptanswer__question__page=quiz, choice__is_correct=False
        )
        .values("attemptanswer__question_id", "choice__text")
        .annotate(times=Count("id"))
        .order_by("attemptanswer__question_id", "-times", "choice__text")
    )
    top_wrong: dict[int, tuple[str, int]] = {}
    for row in wrong_choice_counts:
        top_wrong.setdefault(row["attemptanswer__question_id"], (row["choice__text"], row["times"]))
    return [
        QuestionStats(
            question=question,
            answers=stats.get(question.pk, {}).get("answers", 0),
            correct=stats.get(question.pk, {}).get("correct", 0),
            top_wrong_choice=top_wrong.get(question.pk, ("", 0))[0],
            top_wrong_times=top_wrong.get(question.pk, ("", 0))[1],
        )
        for question in quiz.questions.all()
    ]


def quiz_overview() -> QuerySet[QuizPage]:
    """Every quiz with its submitted attempts and passes, for the editors' report."""
    return QuizPage.objects.annotate(
        attempt_count=Count("attempts", filter=Q(attempts__status=QuizAttempt.Status.SUBMITTED)),
        pass_count=Count("attempts", filter=Q(attempts__passed=True)),
    ).order_by("path")
