"""The rules written once: who an assignment reaches, who may get a first-login code,
how a refusal carries its message, the resident statuses, the cadre-only decorator."""

import inspect

import pytest
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.refusals import Refusal
from accounts.services import FirstLoginError, first_login_code_allowed
from quizzes.services import MissingAnswers, QuizError
from training.assignments import AssignmentRefused, Reach
from training.exports.tables import ExportRefused
from training.models import Audience
from training.residents import ResidentStatus
from training.views import cadre_required, ward_dashboard

from .training_helpers import make_residents

REACHES = [
    Reach(),
    Reach(Audience.PUBLIC_SERVANTS),
    Reach(Audience.BORN_BY, 1970),
    Reach(Audience.BORN_BY, 1990),
]


def test_a_reach_includes_one_user_exactly_as_its_query_finds_them(units):
    """`includes` (one learner's due dates) and `residents` (lists, counts, reminders) agree."""
    ward = units["Phường Sài Gòn"]
    people = [
        *make_residents(ward, 1, first_phone=100, birth_year=1960),
        *make_residents(ward, 1, first_phone=200, birth_year=1970),
        *make_residents(ward, 1, first_phone=300, birth_year=1985, works_in_public_service=True),
        *make_residents(ward, 1, first_phone=400, birth_year=None),
    ]
    for reach in REACHES:
        found = set(User.objects.filter(reach.residents(), ward=ward).values_list("pk", flat=True))
        assert {p.pk for p in people if reach.includes(p)} == found, reach
    assert [r.name for r in REACHES] == ["all", "ps", "by1970", "by1990"]


def test_a_reach_reads_an_assignment_and_ignores_a_stray_year():
    class Stored:
        audience, born_in_or_before = Audience.PUBLIC_SERVANTS, 1970

    assert Reach.of(Stored) == Reach(Audience.PUBLIC_SERVANTS)


def test_a_first_login_code_is_for_active_residents_only(units):
    """The button shown to the cadre follows the same rule as the code itself."""
    ward = units["Phường Sài Gòn"]
    [resident, inactive, editor] = make_residents(ward, 3, first_phone=500)
    for person in (resident, inactive, editor):
        person.set_unusable_password()
        person.save()
    inactive.is_active = False
    inactive.save()
    editor.groups.add(Group.objects.get(name="Editors"))
    assert first_login_code_allowed(user=resident)
    assert not first_login_code_allowed(user=inactive)
    assert not first_login_code_allowed(user=editor)
    resident.set_password("mat-khau-cua-toi")
    resident.save()
    assert not first_login_code_allowed(user=resident)
    assert first_login_code_allowed(user=resident, reason="forgotten_password")


@pytest.mark.parametrize(
    "refusal",
    [
        AssignmentRefused("Lý do giao"),
        ExportRefused("Lý do xuất"),
        FirstLoginError("Lý do mã"),
        QuizError("Lý do bài"),
    ],
)
def test_every_refusal_is_one_kind_carrying_its_message(refusal):
    assert isinstance(refusal, Refusal)
    assert refusal.message.startswith("Lý do") and str(refusal) == refusal.message


def test_a_refusal_without_a_message_says_its_class_message():
    refusal = MissingAnswers(["q1"])
    assert refusal.keys == ["q1"] and refusal.message == MissingAnswers.message


def test_resident_statuses_are_choices_with_labels():
    assert ResidentStatus("hoan-thanh") is ResidentStatus.COMPLETED
    assert str(ResidentStatus.OVERDUE.label) == "Quá hạn"


def test_the_cadre_only_decorator_keeps_the_view_s_identity():
    """functools.wraps: tools that unwrap a view (debug toolbar, tests) find the view itself."""
    view = inspect.unwrap(ward_dashboard)
    assert view.__qualname__ == "ward_dashboard" and view.__module__ == "training.views"
    assert inspect.unwrap(cadre_required(view)) is view
