"""Writes about quizzes: starting and submitting attempts."""

import random

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.refusals import Refusal

from . import selectors
from .models import AttemptAnswer, Choice, Question, QuizAttempt, QuizPage
from .scoring import ForgedAnswers, draw_snapshot, score, validate_answers


class QuizError(Refusal):
    """A refusal with a message for the learner."""


class AttemptLimitReached(QuizError):
    message = _(
        "Bạn đã dùng hết số lượt làm bài hôm nay. Hãy ôn lại bài học và quay lại vào ngày mai."
    )


class AttemptAlreadySubmitted(QuizError):
    message = _("Bài làm này đã được nộp rồi. Kết quả không thay đổi.")


class ForgedSubmission(QuizError):
    message = _(
        "Bài làm gửi lên không khớp với đề đã phát. Không có điểm nào được ghi. Hãy làm lại."
    )


class MissingAnswers(QuizError):
    message = _("Bạn chưa trả lời hết các câu hỏi.")

    def __init__(self, keys: list[str]):
        super().__init__()
        self.keys = keys


def _question_pool(quiz: QuizPage) -> list[dict]:
    return [
        {
            "question_id": question.pk,
            "text": question.text,
            "kind": question.kind,
            "explanation": question.explanation,
            "choices": [
                {"id": choice.pk, "text": choice.text, "correct": choice.is_correct}
                for choice in question.choices.all()
            ],
        }
        for question in quiz.questions.prefetch_related("choices")
    ]


def attempt_start(*, user, quiz: QuizPage) -> QuizAttempt:
    """Return the learner's open attempt, or draw a new one if today's limit allows."""
    if existing := selectors.open_attempt(user=user, quiz=quiz):
        return existing
    if selectors.attempts_left_today(user=user, quiz=quiz) == 0:
        raise AttemptLimitReached
    snapshot = draw_snapshot(
        questions=_question_pool(quiz),
        count=quiz.questions_per_attempt,
        pass_mark=quiz.pass_mark,
        rng=random.SystemRandom(),
    )
    try:
        with transaction.atomic():
            return QuizAttempt.objects.create(
                user=user, quiz=quiz, snapshot=snapshot, question_count=len(snapshot["questions"])
            )
    except IntegrityError:  # another tab opened one at the same moment
        return selectors.open_attempt(user=user, quiz=quiz)


@transaction.atomic
def attempt_submit(*, attempt_id: int, user, posted: dict[str, list[str]]) -> QuizAttempt:
    """Score an open attempt against its own snapshot; only the server knows the answers.

    A forged or incomplete submission records nothing; a replay of a submitted
    attempt or a submission past the daily limit is refused.
    """
    attempt = QuizAttempt.objects.select_for_update().filter(pk=attempt_id, user=user).first()
    if attempt is None:
        raise ForgedSubmission
    if attempt.status != QuizAttempt.Status.OPEN:
        raise AttemptAlreadySubmitted
    if selectors.attempts_left_today(user=user, quiz=attempt.quiz) == 0:
        raise AttemptLimitReached
    try:
        answers, missing = validate_answers(attempt.snapshot, posted)
    except ForgedAnswers as error:
        raise ForgedSubmission from error
    if missing:
        raise MissingAnswers(missing)

    result = score(attempt.snapshot, answers)
    attempt.answers = answers
    attempt.correct_count = result.correct_count
    attempt.score_percent = result.percent
    attempt.passed = result.passed
    attempt.status = QuizAttempt.Status.SUBMITTED
    attempt.submitted_at = timezone.now()
    attempt.save()
    _record_answer_rows(attempt, answers, result.per_question)
    return attempt


def _record_answer_rows(attempt: QuizAttempt, answers: dict, per_question: dict) -> None:
    """Per-question rows for item analysis, linked to questions that still exist."""

    questions = {q["key"]: q["question_id"] for q in attempt.snapshot["questions"]}
    live_questions = set(
        Question.objects.filter(pk__in=questions.values()).values_list("pk", flat=True)
    )
    live_choices = set(
        Choice.objects.filter(question_id__in=live_questions).values_list("pk", flat=True)
    )
    rows = AttemptAnswer.objects.bulk_create(
        AttemptAnswer(
            attempt=attempt,
            question_id=question_id if question_id in live_questions else None,
            is_correct=per_question[key],
        )
        for key, question_id in questions.items()
    )
    through = AttemptAnswer.chosen.through
    through.objects.bulk_create(
        through(attemptanswer_id=row.pk, choice_id=choice_id)
        for row, key in zip(rows, questions, strict=True)
        for choice_id in answers.get(key, [])
        if choice_id in live_choices
    )
