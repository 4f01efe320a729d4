"""Assignments, learner-side "Được giao", ward and province figures, lagging wards."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from training.assignments import (
    AssignmentRefused,
    assignment_cancel,
    assignment_change,
    assignments_create,
    learner_due_dates,
)
from training.figures import province_report, ward_counts_refresh, ward_summary
from training.models import Assignment, AssignmentEvent, PhoneReveal, TrainingSettings

from .courses_helpers import make_course
from .training_helpers import make_cadre, make_residents, start

TODAY = timezone.localdate


@pytest.fixture
def course(db):
    return make_course(lessons=2, slug="dung-vneid")


@pytest.fixture
def saigon(units):
    return units["Phường Sài Gòn"]


@pytest.fixture
def ward_cadre(units, saigon):
    return make_cadre("0913000101", wards=[saigon])


@pytest.fixture
def province_cadre(units):
    return make_cadre("0913000102", province=units["hcm"], name="Lê Thị Thu")


def assign(cadre, course, wards, *, days=10, **kwargs):
    return assignments_create(
        cadre=cadre,
        courses=[course],
        wards=wards,
        due_date=TODAY() + timedelta(days=days),
        **kwargs,
    )[0]


# ------------------------------------------------------------- services


def test_ward_cadre_assigns_and_history_records_change_and_cancel(ward_cadre, course, saigon):
    assignment = assign(ward_cadre, course, [saigon])
    assignment_change(
        cadre=ward_cadre,
        assignment=assignment,
        wards=[saigon],
        due_date=TODAY() + timedelta(days=20),
        audience="born_by",
        born_in_or_before=1970,
    )
    assignment_cancel(cadre=ward_cadre, assignment=assignment)
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.CANCELLED
    events = list(assignment.events.values_list("action", flat=True))
    assert events == ["created", "changed", "cancelled"]
    change = AssignmentEvent.objects.get(action="changed").changes
    assert change["audience"] == ["all", "born_by"]
    assert change["born_in_or_before"] == [None, 1970]


@pytest.mark.parametrize(
    "problem",
    ["past_date", "other_ward", "unpublished", "no_wards"],
)
def test_assignments_refused_with_a_reason(ward_cadre, course, saigon, units, problem):
    wards, due = [saigon], TODAY() + timedelta(days=5)
    if problem == "past_date":
        due = TODAY() - timedelta(days=1)
    elif problem == "other_ward":
        wards = [units["Phường Tân Định"]]
    elif problem == "unpublished":
        course.unpublish()
        course.refresh_from_db()
    elif problem == "no_wards":
        wards = []
    with pytest.raises(AssignmentRefused) as refusal:
        assignments_create(cadre=ward_cadre, courses=[course], wards=wards, due_date=due)
    assert refusal.value.message
    assert not Assignment.objects.exists()


def test_learner_sees_assigned_course_first_with_due_date_and_overdue_mark(
    client, learner, ward_cadre, course, saigon
):
    other = make_course(lessons=1, slug="an-toan")  # after `course` in the tree
    assignment = assign(ward_cadre, other, [saigon], days=3)
    client.force_login(learner)
    page = client.get(course.get_parent().url).content.decode()
    assert page.index(other.title) < page.index(course.title)
    assert "Được giao" in page and f"Hạn {assignment.due_date:%d/%m/%Y}" in page
    Assignment.objects.filter(pk=assignment.pk).update(due_date=TODAY() - timedelta(days=1))
    mine = client.get(reverse("learning:my_learning")).content.decode()
    assert "Được giao cho bạn" in mine and "Quá hạn" in mine and other.title in mine


def test_audience_decides_who_is_assigned(ward_cadre, course, saigon, learner):
    assignment = assign(ward_cadre, course, [saigon], audience="born_by", born_in_or_before=1960)
    assert learner_due_dates(user=learner) == {}  # born 1962
    # The same course for the same ward again would be refused: widen this one instead.
    assignment_change(
        cadre=ward_cadre,
        assignment=assignment,
        wards=[saigon],
        due_date=TODAY() + timedelta(days=30),
        audience="born_by",
        born_in_or_before=1965,
    )
    assert list(learner_due_dates(user=learner)) == [course.pk]


# ------------------------------------------------------------- figures


def test_ward_figures_count_scope_progress_certificates_and_overdue(ward_cadre, course, saigon):
    residents = make_residents(saigon, 10, first_phone=1000)
    start(residents[:4], course, completed_days_ago=2, certificate=True)
    start(residents[4:6], course)
    assignment = assign(ward_cadre, course, [saigon])
    count, [summary] = ward_summary(ward=saigon)
    figures = summary.figures
    assert count == 10
    assert (figures.in_scope, figures.started, figures.completed, figures.certificates) == (
        10,
        6,
        4,
        4,
    )
    assert figures.overdue == 0 and figures.rate == 40
    Assignment.objects.filter(pk=assignment.pk).update(due_date=TODAY() - timedelta(days=1))
    _count, [summary] = ward_summary(ward=saigon)
    assert summary.figures.overdue == 6


def _province_setup(units, course, province_cadre):
    """Sài Gòn completes well, Tân Định barely: with the median of the two... see below."""
    saigon, tan_dinh = units["Phường Sài Gòn"], units["Phường Tân Định"]
    good = make_residents(saigon, 30, first_phone=2000)
    poor = make_residents(tan_dinh, 30, first_phone=3000)
    start(good[:24], course, completed_days_ago=10)
    start(good[24:], course)
    start(poor[:2], course, completed_days_ago=40)
    assign(province_cadre, course, [saigon, tan_dinh], whole_province=units["hcm"])
    return saigon, tan_dinh


def test_province_report_rates_changes_and_lagging(units, course, province_cadre):
    saigon, tan_dinh = _province_setup(units, course, province_cadre)
    settings = TrainingSettings.current()
    settings.lagging_min_residents = 20
    report = province_report(province=units["hcm"], settings=settings)
    rows = {row.ward: row for row in report.rows}
    assert rows[saigon].overall.rate == 80 and rows[tan_dinh].overall.rate == pytest.approx(
        6.67, 0.01
    )
    # Completed 10 days ago: counts in the last 30 days, not in the last 7.
    assert rows[saigon].overall.change_7_days == 0
    assert rows[saigon].overall.change_30_days == 80
    assert rows[tan_dinh].overall.change_30_days == 0
    # Median of 80 and 6.7 is 43.3; half of it is 21.7: Tân Định lags, Sài Gòn does not.
    assert [row.ward for row in report.lagging_rows] == [tan_dinh]
    settings.lagging_min_residents = 31
    report = province_report(province=units["hcm"], settings=settings)
    assert report.lagging_rows == []


def test_province_dashboard_shows_chart_and_flags(client, units, course, province_cadre):
    _saigon, tan_dinh = _province_setup(units, course, province_cadre)
    client.force_login(province_cadre)
    response = client.get(reverse("training:province", args=[units["hcm"].pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in page and 'class="lagging"' in page and "Vùng trũng" in page
    assert "80,0%" in page or "80.0%" in page
    sorted_page = client.get(
        reverse("training:province", args=[units["hcm"].pk]), {"sap-xep": "vung-trung"}
    ).content.decode()
    table = sorted_page[sorted_page.index("<tbody>") :]
    assert table.index(tan_dinh.name) < table.index("Phường Sài Gòn")


def _count_queries(client, url, params=None) -> int:
    client.get(url, params or {})  # warm the site, settings and course outline caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


def test_dashboard_queries_do_not_grow_with_residents(
    client, units, course, province_cadre, ward_cadre, saigon
):
    assign(province_cadre, course, [saigon, units["Phường Tân Định"]])
    province_url = reverse("training:province", args=[units["hcm"].pk])
    ward_url = reverse("training:ward", args=[saigon.pk])
    counts = []
    for size, phone in ((5, 4000), (120, 5000)):
        residents = make_residents(saigon, size, first_phone=phone)
        start(residents[: size // 2], course, completed_days_ago=1, certificate=True)
        start(residents[size // 2 : size - 1], course)
        client.force_login(province_cadre)
        province = _count_queries(client, province_url)
        client.force_login(ward_cadre)
        ward = _count_queries(client, ward_url)
        counts.append((province, ward))
    assert counts[0] == counts[1]
    assert counts[1][0] <= 15


def test_ward_list_filters_searches_without_diacritics_and_masks_phones(
    client, ward_cadre, course, saigon
):
    names = ["Nguyễn Văn Đức", "Trần Thị Mai", "Lê Văn Nam", "Phạm Thị Hoà"]
    residents = make_residents(saigon, 4, first_phone=6000, names=names)
    start(residents[:1], course, completed_days_ago=1, certificate=True)
    start(residents[1:2], course)
    assign(ward_cadre, course, [saigon])
    client.force_login(ward_cadre)
    url = reverse("training:ward", args=[saigon.pk])
    page = client.get(url).content.decode()
    assert all(name in page for name in names)
    assert "+84900006000" not in page and "090•••000" not in page
    assert residents[0].phone_masked in page
    found = client.get(url, {"q": "van duc"}).content.decode()
    assert "Nguyễn Văn Đức" in found and "Lê Văn Nam" not in found
    done = client.get(url, {"trang_thai": "hoan-thanh"}).content.decode()
    assert "Nguyễn Văn Đức" in done and "Trần Thị Mai" not in done
    not_started = client.get(url, {"trang_thai": "chua-hoc"}).content.decode()
    assert "Lê Văn Nam" in not_started and "Trần Thị Mai" not in not_started
    # Tampered filters are ignored, never a 500.
    assert (
        client.get(url, {"giao": "x'; --", "trang_thai": "???", "trang": "-4"}).status_code == 200
    )


def test_full_phone_only_after_logged_request(client, ward_cadre, saigon, units):
    [resident] = make_residents(saigon, 1, first_phone=7000)
    [outsider] = make_residents(units["Phường Tân Định"], 1, first_phone=7001)
    client.force_login(ward_cadre)
    response = client.post(reverse("training:phone_reveal", args=[resident.pk]))
    assert response.status_code == 200 and resident.phone_display in response.content.decode()
    assert PhoneReveal.objects.get().viewer == ward_cadre
    assert client.get(reverse("training:phone_reveal", args=[resident.pk])).status_code == 405
    assert client.post(reverse("training:phone_reveal", args=[outsider.pk])).status_code == 404
    assert PhoneReveal.objects.count() == 1


def test_assignment_form_refuses_tampered_ward_and_past_date(client, ward_cadre, course, units):
    client.force_login(ward_cadre)
    url = reverse("training:assignment_create")
    response = client.post(
        url,
        {
            "courses": [course.pk],
            "wards": [units["Phường Tân Định"].pk],
            "due_date": (TODAY() + timedelta(days=3)).strftime("%d/%m/%Y"),
            "audience": "all",
        },
    )
    assert response.status_code == 400
    assert "không thuộc phạm vi" in response.content.decode()
    response = client.post(
        url,
        {
            "courses": [course.pk],
            "wards": [units["Phường Sài Gòn"].pk],
            "due_date": (TODAY() - timedelta(days=3)).strftime("%d/%m/%Y"),
            "audience": "all",
        },
    )
    assert response.status_code == 400 and "quá khứ" in response.content.decode()
    assert not Assignment.objects.exists()
    response = client.post(
        url,
        {
            "courses": [course.pk],
            "wards": [units["Phường Sài Gòn"].pk],
            "due_date": (TODAY() + timedelta(days=3)).strftime("%d/%m/%Y"),
            "audience": "all",
        },
    )
    assert response.status_code == 302 and Assignment.objects.count() == 1


def test_province_cadre_assigns_whole_province(client, province_cadre, course, units):
    client.force_login(province_cadre)
    response = client.post(
        reverse("training:assignment_create"),
        {
            "courses": [course.pk],
            "whole_province": "on",
            "due_date": (TODAY() + timedelta(days=3)).strftime("%d/%m/%Y"),
            "audience": "all",
        },
    )
    assert response.status_code == 302
    assignment = Assignment.objects.get()
    assert assignment.whole_province == units["hcm"]
    assert set(assignment.wards.all()) == set(units["hcm"].wards.all())


def test_assignment_page_shows_readable_history(client, ward_cadre, course, saigon):
    assignment = assign(ward_cadre, course, [saigon], days=5)
    new_due = TODAY() + timedelta(days=12)
    client.force_login(ward_cadre)
    response = client.post(
        reverse("training:assignment_edit", args=[assignment.pk]),
        {"wards": [saigon.pk], "due_date": new_due.strftime("%d/%m/%Y"), "audience": "all"},
    )
    assert response.status_code == 302
    client.post(reverse("training:assignment_cancel", args=[assignment.pk]))
    page = client.get(reverse("training:assignment_detail", args=[assignment.pk])).content.decode()
    old_due = (TODAY() + timedelta(days=5)).strftime("%d/%m/%Y")
    assert f"Hạn hoàn thành: {old_due} → {new_due:%d/%m/%Y}" in page
    assert "Tạo" in page and "Hủy" in page and "Đã hủy" in page
    # A cancelled assignment cannot be edited any more.
    response = client.get(reverse("training:assignment_edit", args=[assignment.pk]), follow=True)
    assert "đã bị hủy, không sửa được" in response.content.decode()


def test_cached_ward_counts_follow_completions_and_moves(
    units, course, province_cadre, saigon, django_capture_on_commit_callbacks
):
    """Counts are cached per ward; a completion or a move shows at once all the same."""
    from accounts import services as account_services
    from courses import services as course_services
    from learning import services as learning_services

    [resident] = make_residents(saigon, 1, first_phone=8000)
    assign(province_cadre, course, [saigon, units["Phường Tân Định"]])
    settings = TrainingSettings.current()

    def figures():
        rows = province_report(province=units["hcm"], settings=settings).rows
        return {row.ward.name: (row.residents, row.overall.completed) for row in rows}

    assert figures() == {"Phường Sài Gòn": (1, 0)}
    with CaptureQueriesContext(connection) as warm:
        figures()
    assert not any("GROUP BY" in q["sql"] for q in warm.captured_queries)  # from the cache

    with django_capture_on_commit_callbacks(execute=True):  # the invalidation follows commit
        course_services.enrollment_start(user=resident, course=course)
        for lesson in course.get_children().live().order_by("path"):
            learning_services.lesson_complete(user=resident, lesson=lesson.specific)
    assert figures() == {"Phường Sài Gòn": (1, 1)}

    with django_capture_on_commit_callbacks(execute=True):
        account_services.user_update_profile(
            user=resident,
            full_name=resident.full_name,
            ward=units["Phường Tân Định"],
            birth_year=None,
        )
    assert figures() == {"Phường Tân Định": (1, 1)}


def test_refresh_recounts_what_bulk_loads_left_stale(units, course, province_cadre, saigon):
    """The beat task recounts every ward: rows written without signals show up, and the
    province page then finds every count cached."""
    from training.figures import province_report
    from training.tasks import refresh_ward_counts

    assign(province_cadre, course, [saigon])
    settings = TrainingSettings.current()
    make_residents(saigon, 3, first_phone=8100)
    assert province_report(province=units["hcm"], settings=settings).rows[0].residents == 3
    make_residents(saigon, 2, first_phone=8200)  # bulk_create: no signal, the cache is stale
    assert province_report(province=units["hcm"], settings=settings).rows[0].residents == 3
    assert refresh_ward_counts.delay().get() == 1
    with CaptureQueriesContext(connection) as queries:
        report = province_report(province=units["hcm"], settings=settings)
    assert report.rows[0].residents == 5
    assert not any("GROUP BY" in q["sql"] for q in queries.captured_queries)
    assert ward_counts_refresh() == 1
