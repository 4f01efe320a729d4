"""Reads about quizzes and attempts."""

import datetime
from dataclasses import dataclass

from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.utils import timezone

from .models import AttemptAnswer, Question, QuizAttempt, QuizPage
from .scoring import reveals_correct_answers


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


def attempts_of(*, user) -> QuerySet[QuizAttempt]:
    """This learner's attempts with their quiz: nobody opens another learner's attempt."""
    return QuizAttempt.objects.filter(user=user).select_related("quiz")


@dataclass
class QuizLanding:
    """What a quiz page shows a learner: the attempt to continue, attempts left, history."""

    open_attempt: QuizAttempt | None
    attempts_left: int
    history: list[QuizAttempt]


def quiz_landing(*, user, quiz: QuizPage, limit: int = 10) -> QuizLanding:
    """The learner's open attempt, attempts left today and last `limit` submitted attempts,
    in one query: the open attempt (at most one) first, then the newest submitted ones,
    enough of them to count today's up to the daily limit (more cannot change the answer)."""
    newest = max(limit, quiz.max_attempts_per_day)
    attempts = list(
        QuizAttempt.objects.filter(
            user=user,
            quiz=quiz,
            status__in=[QuizAttempt.Status.OPEN, QuizAttempt.Status.SUBMITTED],
        )
        .defer("snapshot", "answers")  # the drawn questions: not shown here, and large
        .order_by(
            Case(When(status=QuizAttempt.Status.OPEN, then=Value(0)), default=Value(1)),
            F("submitted_at").desc(nulls_last=True),
            "-pk",
        )[: newest + 1]
    )
    opened = attempts[0] if attempts and attempts[0].status == QuizAttempt.Status.OPEN else None
    submitted = attempts[1:] if opened else attempts[:newest]
    today = sum(1 for attempt in submitted if attempt.submitted_at >= _today_start())
    return QuizLanding(
        open_attempt=opened,
        attempts_left=max(0, quiz.max_attempts_per_day - today),
        history=submitted[:limit],
    )


def attempt_history(*, user, quiz: QuizPage, limit: int = 10) -> QuerySet[QuizAttempt]:
    """This learner's submitted attempts on this quiz, newest first."""
    return QuizAttempt.objects.filter(
        user=user, quiz=quiz, status=QuizAttempt.Status.SUBMITTED
    ).order_by("-submitted_at")[:limit]


def attempt_was_last_of_its_day(*, attempt: QuizAttempt) -> bool:
    """Whether this submitted attempt used up the learner's attempts for its (local) day."""
    submitted = timezone.localtime(attempt.submitted_at)
    day_start = submitted.replace(hour=0, minute=0, second=0, microsecond=0)
    same_day = QuizAttempt.objects.filter(
        user_id=attempt.user_id,
        quiz_id=attempt.quiz_id,
        status=QuizAttempt.Status.SUBMITTED,
        submitted_at__gte=day_start,
        submitted_at__lte=attempt.submitted_at,
    ).count()
    return same_day >= attempt.quiz.max_attempts_per_day


@dataclass
class ReviewedChoice:
    text: str
    chosen: bool
    correct: bool  # only ever True when the review reveals the answers


@dataclass
class ReviewedQuestion:
    number: int
    text: str
    explanation: str
    right: bool
    choices: list[ReviewedChoice]


@dataclass
class AttemptReview:
    """What a learner's result page may show of a submitted attempt."""

    attempt: QuizAttempt
    reveals_answers: bool
    questions: list[ReviewedQuestion]


def attempt_review(*, attempt: QuizAttempt) -> AttemptReview:
    """A submitted attempt question by question, with the correct choices only if the quiz's
    answer_reveal policy allows them; otherwise only the learner's own choices are listed,
    so the text of a correct choice they missed never reaches the page."""
    reveal = reveals_correct_answers(
        policy=attempt.quiz.answer_reveal,
        passed=bool(attempt.passed),
        was_last_attempt=not attempt.passed and attempt_was_last_of_its_day(attempt=attempt),
    )
    questions = []
    for number, question in enumerate(attempt.snapshot["questions"], start=1):
        chosen = set(attempt.answers.get(question["key"], []))
        correct = {choice["id"] for choice in question["choices"] if choice["correct"]}
        choices = [
            ReviewedChoice(
                text=choice["text"],
                chosen=choice["id"] in chosen,
                correct=reveal and choice["correct"],
            )
            for choice in question["choices"]
            if reveal or choice["id"] in chosen
        ]
        questions.append(
            ReviewedQuestion(
                number=number,
                text=question["text"],
                explanation=question["explanation"],
                right=chosen == correct,
                choices=choices,
            )
        )
    return AttemptReview(attempt=attempt, reveals_answers=reveal, questions=questions)


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
