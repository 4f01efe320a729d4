"""Reads about quizzes and attempts."""

import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import AttemptAnswer, QuizAttempt, QuizPage


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


def quiz_item_analysis(*, quiz: QuizPage) -> list[dict]:
    """Per question of the quiz: answers, share correct, and the most chosen wrong choice.

    Three aggregate queries, whatever the number of attempts.
    """
    questions = list(quiz.questions.all())
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
        .order_by("attemptanswer__question_id", "-times")
    )
    top_wrong: dict[int, tuple[str, int]] = {}
    for row in wrong_choice_counts:
        top_wrong.setdefault(row["attemptanswer__question_id"], (row["choice__text"], row["times"]))
    rows = []
    for question in questions:
        row = stats.get(question.pk, {"answers": 0, "correct": 0})
        wrong_text, wrong_times = top_wrong.get(question.pk, ("", 0))
        rows.append(
            {
                "question": question,
                "answers": row["answers"],
                "correct": row["correct"],
                "percent_correct": round(100 * row["correct"] / row["answers"])
                if row["answers"]
                else None,
                "top_wrong_choice": wrong_text,
                "top_wrong_times": wrong_times,
            }
        )
    return rows
