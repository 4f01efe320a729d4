"""Pure quiz logic: drawing questions and scoring answers. No database, no request."""

import random
from dataclasses import dataclass


def draw_snapshot(*, questions: list[dict], count: int, pass_mark: int, rng: random.Random) -> dict:
    """Draw `count` questions at random and shuffle each one's choices.

    `questions` are dicts with question_id, text, kind, explanation and
    choices [{id, text, correct}]. The result is what an attempt stores.
    """
    drawn = rng.sample(questions, k=min(count, len(questions)))
    snapshot_questions = []
    for number, question in enumerate(drawn, start=1):
        choices = list(question["choices"])
        if question["kind"] != "true_false":  # "Đúng" stays before "Sai"
            rng.shuffle(choices)
        snapshot_questions.append({**question, "key": f"q{number}", "choices": choices})
    return {"questions": snapshot_questions, "pass_mark": pass_mark}


class ForgedAnswers(Exception):
    """The posted answers cannot have come from the form we served."""


@dataclass(frozen=True)
class Score:
    correct_count: int
    question_count: int
    percent: int
    passed: bool
    per_question: dict[str, bool]


def validate_answers(
    snapshot: dict, posted: dict[str, list[str]]
) -> tuple[dict[str, list[int]], list[str]]:
    """Check posted answers against the attempt's snapshot.

    Returns (answers by question key, keys left unanswered). Raises ForgedAnswers
    for anything the served form could not produce: an unknown question, a
    choice of another question, two answers to a one-answer question.
    """
    questions = {q["key"]: q for q in snapshot["questions"]}
    unknown = set(posted) - set(questions)
    if unknown:
        raise ForgedAnswers(f"unknown questions: {sorted(unknown)[:5]}")
    answers: dict[str, list[int]] = {}
    missing = []
    for key, question in questions.items():
        values = posted.get(key, [])
        if not values:
            missing.append(key)
            continue
        allowed = {str(choice["id"]) for choice in question["choices"]}
        if len(values) != len(set(values)) or not set(values) <= allowed:
            raise ForgedAnswers(f"{key}: choices not offered")
        if question["kind"] != "multiple" and len(values) > 1:
            raise ForgedAnswers(f"{key}: several answers to a one-answer question")
        answers[key] = sorted(int(value) for value in values)
    return answers, missing


def score(snapshot: dict, answers: dict[str, list[int]]) -> Score:
    """All-or-nothing per question: the chosen set must equal the correct set."""
    per_question = {}
    for question in snapshot["questions"]:
        correct = {choice["id"] for choice in question["choices"] if choice["correct"]}
        per_question[question["key"]] = set(answers.get(question["key"], [])) == correct
    total = len(snapshot["questions"])
    right = sum(per_question.values())
    percent = round(100 * right / total) if total else 0
    return Score(right, total, percent, percent >= snapshot["pass_mark"], per_question)


def reveals_correct_answers(*, policy: str, passed: bool, was_last_attempt: bool) -> bool:
    """Whether a result page shows the correct choices, by the quiz's policy (AnswerReveal).

    "after_pass" (the default) shows them after a pass, or on the attempt that used the
    last attempt of its day; a failed attempt with attempts left shows only what was wrong.
    """
    if policy == "always":
        return True
    if policy == "never":
        return False
    return passed or was_last_attempt
