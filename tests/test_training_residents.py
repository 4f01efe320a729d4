"""Residents are residents, and their numbers stay masked (issue 9, points 4 and 5).

- Only learners count: cadres, editors, staff and admins who live in a ward appear in
  none of its lists, counts, rates, exports, admin reports, reminders or lagging flags.
- The ward list finds a phone only by the full number or the 3 last digits the mask
  shows; "Hiện số" works only on a resident in scope.
- A course cannot be assigned twice to a ward for overlapping periods; cancelling asks
  first and can be undone for 24 hours.
"""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from training.assignments import (
    AssignmentRefused,
    assignment_cancel,
    assignment_change,
    assignments_create,
)
from training.exports.jobs import export_build
from training.figures import province_report, ward_summary
from training.models import Assignment, Export, PhoneReveal, Reminder, TrainingSettings
from training.notifications import reminders_send
from training.residents import phone_reveal

from .courses_helpers import make_course
from .training_helpers import PASSWORD, make_cadre, make_residents, start

TODAY = timezone.localdate

LEARNER_NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"]
# The first learner's number: +84912345678, shown masked as 0912•••678.
AN_PHONE = "+84912345678"


@pytest.fixture
def place(units):
    """Phường Sài Gòn: three learners who have not started, and five people of staff who
    live there and finished the course with a certificate (ward cadre, province cadre,
    editor, Django staff, superuser). Tân Định: three learners, two finished."""
    saigon, tandinh = units["Phường Sài Gòn"], units["Phường Tân Định"]
    course = make_course(lessons=1, slug="dung-vneid")
    learners = make_residents(saigon, 3, first_phone=12345678, names=LEARNER_NAMES)
    ward_cadre = make_cadre("0913000101", wards=[saigon], name="Cán bộ Phường Sống Ở Đây")
    province_cadre = make_cadre("0913000102", province=units["hcm"], name="Cán bộ Tỉnh Sống Ở Đây")
    editor = User.objects.create_user(
        phone="0913000103", password=PASSWORD, full_name="Biên Tập Sống Ở Đây"
    )
    editor.groups.add(Group.objects.get(name="Editors"))
    django_staff = User.objects.create_user(
        phone="0913000104", password=PASSWORD, full_name="Nhân Viên Sống Ở Đây", is_staff=True
    )
    admin = User.objects.create_superuser(
        phone="0913000105", password=PASSWORD, full_name="Quản Trị Sống Ở Đây"
    )
    staff = [ward_cadre, province_cadre, editor, django_staff, admin]
    User.objects.filter(pk__in=[u.pk for u in staff]).update(ward=saigon)
    for user in staff:
        user.refresh_from_db()
    start(staff, course, completed_days_ago=1, certificate=True)
    others = make_residents(tandinh, 3, first_phone=22000000)
    start(others[:2], course, completed_days_ago=1)
    (assignment,) = assignments_create(
        cadre=province_cadre,
        courses=[course],
        wards=[saigon, tandinh],
        due_date=TODAY() + timedelta(days=2),
    )
    return {
        "saigon": saigon,
        "tandinh": tandinh,
        "hcm": units["hcm"],
        "course": course,
        "learners": learners,
        "others": others,
        "staff": staff,
        "ward_cadre": ward_cadre,
        "province_cadre": province_cadre,
        "editor": editor,
        "admin": admin,
        "assignment": assignment,
    }


def csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def staff_names(place) -> list[str]:
    return [user.full_name for user in place["staff"]]


# ------------------------------------------------------------------ who counts


def test_ward_figures_count_only_learners(place):
    count, [summary] = ward_summary(ward=place["saigon"])
    figures = summary.figures
    assert count == 3
    assert (figures.in_scope, figures.started, figures.completed, figures.certificates) == (
        3,
        0,
        0,
        0,
    )


def test_ward_page_lists_and_counts_only_learners(client, place):
    client.force_login(place["ward_cadre"])
    page = client.get(reverse("training:ward", args=[place["saigon"].pk])).content.decode()
    assert all(name in page for name in LEARNER_NAMES)
    for name in staff_names(place):
        assert name not in page, name
    assert "3 người dân đã đăng ký" in page


def test_province_figures_and_lagging_count_only_learners(client, place):
    """Staff who finished would lift Sài Gòn to 5 of 8 (62%) and hide that it lags."""
    settings = TrainingSettings.current()
    settings.lagging_min_residents = 3
    report = province_report(province=place["hcm"], settings=settings)
    rows = {row.ward: row for row in report.rows}
    saigon = rows[place["saigon"]]
    assert (saigon.residents, saigon.overall.in_scope, saigon.overall.completed) == (3, 3, 0)
    assert [row.ward for row in report.lagging_rows] == [place["saigon"]]
    assert report.totals.in_scope == 6 and report.totals.completed == 2


def test_province_page_and_export_count_only_learners(client, place):
    client.force_login(place["province_cadre"])
    url = reverse("training:province_export", args=[place["hcm"].pk, "csv"])
    heading, *rows = csv_rows(client.get(url))
    line = next(row for row in rows if row[0] == "Phường Sài Gòn")
    assert line[heading.index("Người đăng ký")] == "3"
    assert line[heading.index("Đã hoàn thành")] == "0"
    assert line[heading.index("Chứng nhận")] == "0"


@pytest.mark.parametrize("search", ["", "sống ở đây"])
def test_ward_export_lists_only_learners(client, place, search):
    client.force_login(place["ward_cadre"])
    url = reverse("training:ward_export", args=[place["saigon"].pk, "csv"])
    _heading, *rows = csv_rows(client.get(url, {"q": search}))
    assert sorted(row[0] for row in rows) == (sorted(LEARNER_NAMES) if not search else [])


def test_background_export_lists_only_learners(place, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    export = Export.objects.create(
        requested_by=place["ward_cadre"],
        kind=Export.Kind.WARD_RESIDENTS,
        file_format=Export.Format.CSV,
        params={"ward": place["saigon"].pk, "assignment": None, "status": "", "q": ""},
    )
    export = export_build(export_id=export.pk)
    assert export.status == Export.Status.READY and export.rows_total == 3
    with export.file.open("rb") as handle:
        names = [row[0] for row in csv.reader(io.StringIO(handle.read().decode("utf-8-sig")))]
    assert sorted(names[1:]) == sorted(LEARNER_NAMES)


def test_admin_ward_and_province_reports_count_only_learners(client, place):
    client.force_login(place["editor"])
    ward = client.get(
        reverse("training_reports:ward"), {"ward": place["saigon"].pk, "export": "csv"}
    )
    heading, row = csv_rows(ward)
    assert row[heading.index("Thuộc đối tượng")] == "3"
    assert row[heading.index("Đã hoàn thành")] == "0"
    province = client.get(
        reverse("training_reports:province"), {"province": place["hcm"].pk, "export": "csv"}
    )
    heading, *rows = csv_rows(province)
    line = next(row for row in rows if row[0] == "Phường Sài Gòn")
    assert line[heading.index("Người đăng ký")] == "3"
    assert line[heading.index("Chứng nhận")] == "0"


def test_reminders_go_to_learners_only(place, mailoutbox):
    User.objects.filter(pk__in=[u.pk for u in place["staff"]]).update(email="staff@example.vn")
    # Staff who had not finished would be reminded too, if they counted.
    Assignment.objects.all().update(due_date=TODAY() + timedelta(days=1))
    from courses.models import Enrollment

    Enrollment.objects.filter(user__in=place["staff"]).delete()
    reminders_send(today=TODAY())
    reminded = set(Reminder.objects.values_list("user_id", flat=True))
    expected = {u.pk for u in place["learners"]} | {place["others"][2].pk}
    assert reminded == expected
    assert not [m for m in mailoutbox if "staff@example.vn" in m.to]


def test_joining_the_editors_takes_a_learner_out_of_the_cached_counts(
    place, django_capture_on_commit_callbacks
):
    assert ward_summary(ward=place["saigon"])[0] == 3
    [an, *_rest] = place["learners"]
    # each change commits (its after-commit work runs) before the cadre looks again
    with django_capture_on_commit_callbacks(execute=True):
        an.groups.add(Group.objects.get(name="Editors"))
    assert ward_summary(ward=place["saigon"])[0] == 2
    with django_capture_on_commit_callbacks(execute=True):
        an.groups.clear()
    assert ward_summary(ward=place["saigon"])[0] == 3
    with django_capture_on_commit_callbacks(execute=True):
        an.role = Role.WARD_CADRE
        an.save(update_fields=["role"])
    assert ward_summary(ward=place["saigon"])[0] == 2


# ------------------------------------------------------------------ phone search


def ward_page(client, place, q: str) -> str:
    client.force_login(place["ward_cadre"])
    url = reverse("training:ward", args=[place["saigon"].pk])
    return client.get(url, {"q": q, "giao": ""}).content.decode()


@pytest.mark.parametrize("digits", [4, 5, 6, 7, 8, 9])
def test_searching_4_to_9_last_digits_finds_nobody_and_says_why(client, place, digits):
    q = AN_PHONE[-digits:]
    page = ward_page(client, place, q)
    assert "Nguyễn Văn An" not in page
    assert "Chỉ tìm được theo số điện thoại đầy đủ" in page


@pytest.mark.parametrize("digits", [4, 7, 9])
def test_exports_refuse_4_to_9_last_digits_too(client, place, digits):
    client.force_login(place["ward_cadre"])
    url = reverse("training:ward_export", args=[place["saigon"].pk, "csv"])
    _heading, *rows = csv_rows(client.get(url, {"q": AN_PHONE[-digits:], "giao": ""}))
    assert rows == []


def test_background_export_with_4_to_9_digits_lists_nobody(place, settings, tmp_path):
    """An export queued with a partial number (by an older page, or forged) finds nobody."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    export = Export.objects.create(
        requested_by=place["ward_cadre"],
        kind=Export.Kind.WARD_RESIDENTS,
        file_format=Export.Format.CSV,
        params={"ward": place["saigon"].pk, "assignment": None, "status": "", "q": "45678"},
    )
    export = export_build(export_id=export.pk)
    assert export.status == Export.Status.READY and export.rows_total == 0


@pytest.mark.parametrize(
    "q",
    ["678", "•••678", "0912•••678", "0912 345 678", "0912.345.678", "+84 912 345 678",
     "84912345678", "0912-345-678"],
)  # fmt: skip
def test_last_three_digits_or_the_full_number_find_the_resident(client, place, q):
    page = ward_page(client, place, q)
    assert "Nguyễn Văn An" in page
    assert "Trần Thị Bình" not in page  # +84912345679
    assert "Chỉ tìm được theo số điện thoại đầy đủ" not in page


def test_full_number_search_in_the_export(client, place):
    client.force_login(place["ward_cadre"])
    url = reverse("training:ward_export", args=[place["saigon"].pk, "csv"])
    _heading, *rows = csv_rows(client.get(url, {"q": "0912 345 678", "giao": ""}))
    assert [row[0] for row in rows] == ["Nguyễn Văn An"]
    assert rows[0][2] == "0912•••678"  # still masked in the file


def test_search_by_name_still_works_without_diacritics(client, place):
    page = ward_page(client, place, "tran thi binh")
    assert "Trần Thị Bình" in page and "Nguyễn Văn An" not in page


# ------------------------------------------------------------------ Hiện số


@pytest.mark.parametrize(
    "viewer, target",
    [
        ("ward_cadre", "ward_cadre"),  # their own row
        ("ward_cadre", "province_cadre"),  # a colleague living in the ward
        ("ward_cadre", "editor"),
        ("province_cadre", "admin"),
        ("admin", "ward_cadre"),
    ],
)
def test_reveal_on_a_row_that_is_not_a_resident_is_404(client, place, viewer, target):
    client.force_login(place[viewer])
    response = client.post(reverse("training:phone_reveal", args=[place[target].pk]))
    assert response.status_code == 404
    assert not PhoneReveal.objects.exists()


def test_reveal_of_a_resident_in_scope_shows_and_logs(client, place):
    client.force_login(place["ward_cadre"])
    an = place["learners"][0]
    response = client.post(reverse("training:phone_reveal", args=[an.pk]))
    assert response.status_code == 200 and "0912 345 678" in response.content.decode()
    assert PhoneReveal.objects.get().resident == an


def test_reveal_service_refuses_a_non_resident(place):
    with pytest.raises(PermissionDenied):
        phone_reveal(viewer=place["admin"], resident=place["ward_cadre"])


# ------------------------------------------------------------------ assigning twice


def assign(cadre, course, wards, *, days=10):
    return assignments_create(
        cadre=cadre, courses=[course], wards=wards, due_date=TODAY() + timedelta(days=days)
    )


def test_the_same_course_for_the_same_ward_and_period_is_refused(place):
    with pytest.raises(AssignmentRefused) as refusal:
        assign(place["ward_cadre"], place["course"], [place["saigon"]], days=20)
    assert place["course"].title in refusal.value.message
    assert "Phường Sài Gòn" in refusal.value.message
    assert Assignment.objects.count() == 1


def test_the_form_shows_the_refusal(client, place):
    client.force_login(place["ward_cadre"])
    response = client.post(
        reverse("training:assignment_create"),
        {
            "courses": [place["course"].pk],
            "wards": [place["saigon"].pk],
            "due_date": (TODAY() + timedelta(days=9)).strftime("%d/%m/%Y"),
            "audience": "all",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].non_field_errors()
    assert any(place["course"].title in e and "Phường Sài Gòn" in e for e in errors)
    assert Assignment.objects.count() == 1


def test_repeating_the_same_course_in_one_request_is_refused(place, units):
    with pytest.raises(AssignmentRefused):
        assignments_create(
            cadre=place["admin"],
            courses=[place["course"], place["course"]],
            wards=[units["Phường Ba Đình"]],
            due_date=TODAY() + timedelta(days=5),
        )
    assert Assignment.objects.count() == 1


def test_other_courses_past_due_and_cancelled_assignments_do_not_block(place):
    other = make_course(lessons=1, slug="an-toan")
    assert assign(place["ward_cadre"], other, [place["saigon"]])  # another course
    Assignment.objects.filter(pk=place["assignment"].pk).update(
        due_date=TODAY() - timedelta(days=1)
    )
    again = assign(place["ward_cadre"], place["course"], [place["saigon"]])  # a new round
    assignment_cancel(cadre=place["ward_cadre"], assignment=again[0])
    assert assign(place["ward_cadre"], place["course"], [place["saigon"]])


def test_changing_an_assignment_onto_a_ward_that_has_the_course_is_refused(place, units):
    ba_dinh = units["Phường Ba Đình"]
    admin = place["admin"]
    (elsewhere,) = assign(admin, place["course"], [ba_dinh])
    with pytest.raises(AssignmentRefused) as refusal:
        assignment_change(
            cadre=admin,
            assignment=elsewhere,
            wards=[ba_dinh, place["tandinh"]],
            due_date=elsewhere.due_date,
            audience="all",
            born_in_or_before=None,
        )
    assert "Phường Tân Định" in refusal.value.message
    assert list(elsewhere.wards.all()) == [ba_dinh]


# ------------------------------------------------------------------ cancel and undo


def test_cancelling_asks_for_confirmation_first(client, place):
    assignment = place["assignment"]
    client.force_login(place["province_cadre"])
    detail = client.get(reverse("training:assignment_detail", args=[assignment.pk]))
    cancel_url = reverse("training:assignment_cancel", args=[assignment.pk])
    # The detail page links to the confirmation; it has no form that cancels at once.
    assert f'href="{cancel_url}"' in detail.content.decode()
    assert f'action="{cancel_url}"' not in detail.content.decode()
    confirm = client.get(cancel_url)
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "Có, hủy việc giao" in page and f'action="{cancel_url}"' in page
    assignment.refresh_from_db()
    assert assignment.is_active


def test_cancel_then_undo_within_a_day(client, place):
    assignment = place["assignment"]
    client.force_login(place["province_cadre"])
    client.post(reverse("training:assignment_cancel", args=[assignment.pk]))
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.CANCELLED
    detail = client.get(reverse("training:assignment_detail", args=[assignment.pk]))
    undo_url = reverse("training:assignment_cancel_undo", args=[assignment.pk])
    assert undo_url in detail.content.decode() and "Hoàn tác" in detail.content.decode()

    response = client.post(undo_url, follow=True)
    assignment.refresh_from_db()
    assert assignment.is_active and assignment.cancelled_at is None
    assert list(assignment.events.values_list("action", flat=True)) == [
        "created",
        "cancelled",
        "restored",
    ]
    assert "Hoàn tác hủy" in response.content.decode()  # in the history
    assert ward_summary(ward=place["saigon"])[1]  # counted again


def test_undo_after_a_day_is_no_longer_offered_and_a_post_is_refused(client, place):
    assignment = place["assignment"]
    assignment_cancel(cadre=place["province_cadre"], assignment=assignment)
    Assignment.objects.filter(pk=assignment.pk).update(
        cancelled_at=timezone.now() - timedelta(hours=24, minutes=1)
    )
    client.force_login(place["province_cadre"])
    undo_url = reverse("training:assignment_cancel_undo", args=[assignment.pk])
    detail = client.get(reverse("training:assignment_detail", args=[assignment.pk]))
    assert undo_url not in detail.content.decode()
    response = client.post(undo_url, follow=True)
    assert "hơn 24 giờ" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.CANCELLED
    assert "restored" not in assignment.events.values_list("action", flat=True)


def test_undo_is_refused_when_the_course_was_assigned_again_meanwhile(client, place):
    assignment = place["assignment"]
    cadre = place["province_cadre"]
    assignment_cancel(cadre=cadre, assignment=assignment)
    assign(cadre, place["course"], [place["saigon"]], days=30)
    client.force_login(cadre)
    response = client.post(
        reverse("training:assignment_cancel_undo", args=[assignment.pk]), follow=True
    )
    assert place["course"].title in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.CANCELLED


def test_a_ward_cadre_cannot_undo_an_assignment_of_wards_beyond_theirs(client, place):
    assignment = place["assignment"]  # Sài Gòn and Tân Định
    assignment_cancel(cadre=place["province_cadre"], assignment=assignment)
    client.force_login(place["ward_cadre"])  # Sài Gòn only
    response = client.post(reverse("training:assignment_cancel_undo", args=[assignment.pk]))
    assert response.status_code == 404
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.CANCELLED


# ------------------------------------------------------------------ first-login slips


def test_no_slip_for_an_editor_without_a_password_living_in_the_ward(client, place):
    """A slip sets the account's password: for an editor it would hand the cadre the admin."""
    from accounts.models import FirstLoginCode

    editor = place["editor"]
    editor.set_unusable_password()
    editor.save(update_fields=["password"])
    client.force_login(place["ward_cadre"])
    response = client.post(reverse("training:resident_slip", args=[editor.pk]))
    assert response.status_code == 404
    assert not FirstLoginCode.objects.filter(user=editor).exists()


@pytest.mark.parametrize("target", ["editor", "province_cadre", "admin"])
def test_no_new_code_for_staff_living_in_the_ward(client, place, target):
    """A new code for a forgotten password must not let a cadre take over a staff account."""
    from accounts.models import FirstLoginCode

    client.force_login(place["ward_cadre"])
    url = reverse("training:resident_new_code", args=[place[target].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"confirm": "yes"}).status_code == 404
    assert not FirstLoginCode.objects.filter(user=place[target]).exists()


@pytest.mark.parametrize("target", ["editor", "province_cadre", "admin"])
def test_the_code_services_refuse_staff_whoever_calls_them(place, target):
    """Defence in depth: the services themselves refuse, not only the cadre views."""
    from django.core.exceptions import PermissionDenied

    from accounts import services
    from accounts.models import FirstLoginCode, FirstLoginCodeLog

    with pytest.raises(PermissionDenied):
        services.first_login_code_issue(
            user=place[target],
            cadre=place["ward_cadre"],
            reason=FirstLoginCodeLog.Reason.FORGOTTEN_PASSWORD,
        )
    with pytest.raises(PermissionDenied):
        services.password_reset_code_issue(user=place[target], cadre=place["ward_cadre"])
    assert not FirstLoginCode.objects.filter(user=place[target]).exists()


def test_a_new_code_for_a_resident_still_works(client, place):
    from accounts.models import FirstLoginCode

    client.force_login(place["ward_cadre"])
    an = place["learners"][0]
    url = reverse("training:resident_new_code", args=[an.pk])
    assert client.post(url, {"confirm": "yes"}).status_code == 200
    assert FirstLoginCode.objects.filter(user=an).exists()
