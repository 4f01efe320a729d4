"""Pure quiz logic: drawing and scoring, no database."""

import random

import pytest

from quizzes.scoring import ForgedAnswers, draw_snapshot, score, validate_answers


def pool(n=10):
    return [
        {
            "question_id": i,
            "text": f"Q{i}",
            "kind": "multiple" if i % 3 == 0 else "single",
            "explanation": "",
            "choices": [
                {"id": i * 10 + 1, "text": "a", "correct": True},
                {"id": i * 10 + 2, "text": "b", "correct": i % 3 == 0},
                {"id": i * 10 + 3, "text": "c", "correct": False},
            ],
        }
        for i in range(1, n + 1)
    ]


def test_draw_takes_a_random_subset_and_shuffles_choices():
    first = draw_snapshot(questions=pool(), count=4, pass_mark=70, rng=random.Random(1))
    second = draw_snapshot(questions=pool(), count=4, pass_mark=70, rng=random.Random(2))
    assert len(first["questions"]) == 4
    assert [q["key"] for q in first["questions"]] == ["q1", "q2", "q3", "q4"]
    assert {q["question_id"] for q in first["questions"]} != {
        q["question_id"] for q in second["questions"]
    }
    orders = {
        tuple(c["id"] for c in q["choices"])
        for q in draw_snapshot(questions=pool(), count=10, pass_mark=70, rng=random.Random(3))[
            "questions"
        ]
    }
    assert any(order[0] % 10 != 1 for order in orders)  # not always in editing order


def test_draw_never_asks_for_more_than_the_pool():
    assert (
        len(
            draw_snapshot(questions=pool(3), count=8, pass_mark=70, rng=random.Random())[
                "questions"
            ]
        )
        == 3
    )


def test_true_false_keeps_dung_before_sai():
    tf = [
        {
            "question_id": 1,
            "text": "?",
            "kind": "true_false",
            "explanation": "",
            "choices": [
                {"id": 1, "text": "Đúng", "correct": True},
                {"id": 2, "text": "Sai", "correct": False},
            ],
        }
    ]
    for seed in range(10):
        snap = draw_snapshot(questions=tf, count=1, pass_mark=50, rng=random.Random(seed))
        assert [c["text"] for c in snap["questions"][0]["choices"]] == ["Đúng", "Sai"]


def snapshot():
    return draw_snapshot(questions=pool(4), count=4, pass_mark=75, rng=random.Random(5))


def test_score_is_all_or_nothing_per_question_and_pass_mark_inclusive():
    snap = snapshot()
    right = {q["key"]: [c["id"] for c in q["choices"] if c["correct"]] for q in snap["questions"]}
    assert score(snap, right).percent == 100
    multiple = next(q for q in snap["questions"] if q["kind"] == "multiple")
    partial = dict(right, **{multiple["key"]: right[multiple["key"]][:1]})
    result = score(snap, partial)
    assert result.correct_count == 3 and result.percent == 75 and result.passed
    assert result.per_question[multiple["key"]] is False


@pytest.mark.parametrize(
    "tamper",
    [
        lambda snap: {"q99": ["1"]},  # a question not drawn
        lambda snap: {
            "q1": [str(snap["questions"][1]["choices"][0]["id"])]
        },  # another question's choice
        lambda snap: {"q1": ["abc"]},
        lambda snap: {"q1": [str(snap["questions"][0]["choices"][0]["id"])] * 2},  # duplicated
    ],
)
def test_forged_answers_are_refused(tamper):
    snap = snapshot()
    with pytest.raises(ForgedAnswers):
        validate_answers(snap, tamper(snap))


def test_two_answers_to_a_single_choice_question_are_forged():
    snap = snapshot()
    single = next(q for q in snap["questions"] if q["kind"] == "single")
    with pytest.raises(ForgedAnswers):
        validate_answers(snap, {single["key"]: [str(c["id"]) for c in single["choices"][:2]]})


def test_missing_answers_are_reported_not_scored():
    snap = snapshot()
    answers, missing = validate_answers(
        snap, {"q1": [str(snap["questions"][0]["choices"][0]["id"])]}
    )
    assert list(answers) == ["q1"] and missing == ["q2", "q3", "q4"]
