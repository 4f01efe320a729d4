"""Reminders to learners about assigned courses, and the weekly lagging-ward digest to cadres."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends import locmem
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from wagtail.models import Site

from accounts.models import Notice, Role, User, Ward
from accounts.text import fold
from courses.models import Enrollment
from training import tasks
from training.models import Assignment, Audience, CadreDigest, Reminder, TrainingSettings
from training.notifications import digests_send, reminders_send

from .courses_helpers import make_course

_phones = iter(range(1, 10_000))


def person(ward, *, name="Trần Văn An", email="", birth_year=1990, role=Role.LEARNER, **extra):
    return User.objects.create_user(
        phone=f"0912{next(_phones):06d}",
        full_name=name,
        email=email,
        ward=ward,
        birth_year=birth_year,
        role=role,
        **extra,
    )


def assign(course, wards, *, due, **extra):
    assignment = Assignment.objects.create(course=course, due_date=due, **extra)
    assignment.wards.set(wards)
    return assignment


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def course(db):
    return make_course(lessons=1, slug="an-toan-mang")


@pytest.fixture
def saigon(units):
    return units["Phường Sài Gòn"]


def test_learner_with_an_assignment_due_in_two_days_gets_one_notice_and_one_email(
    saigon, course, today
):
    anh = person(saigon, name="Lê Thị Ánh", email="anh@example.vn")
    assignment = assign(course, [saigon], due=today + timedelta(days=2))

    assert reminders_send(today=today) == 1

    notice = Notice.objects.get(user=anh)
    assert notice.kind == "assignment_due_soon" and course.title in notice.message
    assert (today + timedelta(days=2)).strftime("%d/%m/%Y") in notice.message
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["anh@example.vn"]
    assert course.title in message.subject and course.title in message.body
    assert "Lê Thị Ánh" in message.body and reverse("learning:my_learning") in message.body
    reminder = Reminder.objects.get(user=anh)
    assert (reminder.assignment, reminder.kind, reminder.day) == (assignment, "due_soon", today)
    assert reminder.emailed


def test_learner_without_email_gets_only_the_notice(saigon, course, today):
    binh = person(saigon, name="Phạm Văn Bình")
    assign(course, [saigon], due=today + timedelta(days=1))

    assert reminders_send(today=today) == 1

    assert Notice.objects.filter(user=binh, kind="assignment_due_soon").count() == 1
    assert mail.outbox == []
    assert not Reminder.objects.get(user=binh).emailed


def test_nobody_outside_the_assignment_hears_of_it(units, saigon, course, today):
    reached = person(saigon, email="reached@example.vn", birth_year=1960)
    finished = person(saigon, email="done@example.vn", birth_year=1960)
    Enrollment.objects.create(user=finished, course=course, completed_at=timezone.now())
    too_young = person(saigon, email="young@example.vn", birth_year=1990)
    elsewhere = person(units["Phường Tân Định"], email="far@example.vn", birth_year=1960)
    gone = person(saigon, email="gone@example.vn", birth_year=1960, is_active=False)
    assign(
        course,
        [saigon],
        due=today + timedelta(days=3),
        audience=Audience.BORN_BY,
        born_in_or_before=1970,
    )

    assert reminders_send(today=today) == 1

    assert set(Reminder.objects.values_list("user", flat=True)) == {reached.pk}
    assert [m.to for m in mail.outbox] == [["reached@example.vn"]]
    for user in (finished, too_young, elsewhere, gone):
        assert not Notice.objects.filter(user=user).exists()


def test_cancelled_and_far_off_assignments_send_nothing(saigon, course, today):
    person(saigon, email="an@example.vn")
    assign(course, [saigon], due=today + timedelta(days=1), status=Assignment.Status.CANCELLED)
    assign(course, [saigon], due=today + timedelta(days=10))

    assert reminders_send(today=today) == 0
    assert not Reminder.objects.exists() and not Notice.objects.exists() and mail.outbox == []


def test_the_reminder_window_follows_the_site_setting(saigon, course, today):
    person(saigon)
    assign(course, [saigon], due=today + timedelta(days=5))
    assert reminders_send(today=today) == 0

    training = TrainingSettings.for_site(Site.objects.get(is_default_site=True))
    training.reminder_days_before = 5
    training.save()
    assert reminders_send(today=today) == 1


def test_running_twice_the_same_day_sends_nothing_new(saigon, course, today):
    person(saigon, email="an@example.vn")
    person(saigon)
    assign(course, [saigon], due=today + timedelta(days=2))

    assert reminders_send(today=today) == 2
    assert reminders_send(today=today) == 0
    assert tasks.send_reminders.delay().get() == 0  # the beat task, run eagerly

    assert Reminder.objects.count() == 2 and Notice.objects.count() == 2
    assert len(mail.outbox) == 1


def test_an_overdue_assignment_sends_one_overdue_reminder_after_the_due_soon_one(
    saigon, course, today
):
    an = person(saigon, email="an@example.vn")
    assign(course, [saigon], due=today + timedelta(days=1))
    assert reminders_send(today=today) == 1

    later = today + timedelta(days=2)
    assert reminders_send(today=later) == 1
    assert reminders_send(today=later + timedelta(days=1)) == 0

    assert sorted(Reminder.objects.filter(user=an).values_list("kind", "day")) == [
        ("due_soon", today),
        ("overdue", later),
    ]
    assert Notice.objects.get(user=an, kind="assignment_overdue")
    assert len(mail.outbox) == 2 and "quá hạn" in mail.outbox[1].subject


def test_one_failed_email_does_not_stop_the_others(saigon, course, today, monkeypatch):
    person(saigon, email="broken@example.vn")
    fine = person(saigon, email="fine@example.vn")
    assign(course, [saigon], due=today + timedelta(days=2))
    real_send_messages = locmem.EmailBackend.send_messages

    def send_messages(self, messages):
        if any(message.to == ["broken@example.vn"] for message in messages):
            raise OSError("mailbox unavailable")
        return real_send_messages(self, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", send_messages)

    assert reminders_send(today=today) == 2

    assert [m.to for m in mail.outbox] == [["fine@example.vn"]]
    assert set(Reminder.objects.filter(emailed=True).values_list("user", flat=True)) == {fine.pk}
    assert Notice.objects.count() == 2


def test_reminder_queries_do_not_grow_with_the_number_of_residents(units, course, today):
    def queries_for(ward, residents):
        for n in range(residents):
            person(ward, email=f"{ward.code}-{n}@example.vn")
        assignment = assign(course, [ward], due=today + timedelta(days=2))
        with CaptureQueriesContext(connection) as queries:
            assert reminders_send(today=today) == residents
        assignment.status = Assignment.Status.CANCELLED  # out of the next measurement
        assignment.save()
        return len(queries)

    reminders_send(today=today)  # the site's settings row is created once, here
    assert queries_for(units["Phường Sài Gòn"], 2) == queries_for(units["Phường Tân Định"], 12)
    assert len(mail.outbox) == 14


def test_the_reminder_shows_on_my_learning(client, saigon, course, today):
    an = person(saigon)
    assign(course, [saigon], due=today + timedelta(days=2))
    reminders_send(today=today)

    client.force_login(an)
    page = client.get(reverse("learning:my_learning")).content.decode()
    assert "cần hoàn thành trước ngày" in page and course.title in page


def test_beat_runs_both_tasks_at_the_agreed_times():
    schedule = settings.CELERY_BEAT_SCHEDULE
    reminders = schedule["training-reminders"]
    digests = schedule["training-weekly-digests"]
    assert import_string(reminders["task"]) is tasks.send_reminders
    assert import_string(digests["task"]) is tasks.send_weekly_digests
    assert (reminders["schedule"].hour, reminders["schedule"].minute) == ({7}, {0})
    assert digests["schedule"].day_of_week == {1}  # Monday
    assert (digests["schedule"].hour, digests["schedule"].minute) == ({7}, {30})
    assert settings.CELERY_TIMEZONE == "Asia/Ho_Chi_Minh"


# ---------------------------------------------------------------- weekly digest


@pytest.fixture
def province(units, course, today):
    """Three wards of Hồ Chí Minh City with three residents each; Sài Gòn lags far behind."""
    training = TrainingSettings.for_site(Site.objects.get(is_default_site=True))
    training.lagging_min_residents = 3
    training.save()
    ben_thanh = Ward.objects.create(
        code=26746,
        name="Phường Bến Thành",
        division_type="phường",
        province=units["hcm"],
        search_text=fold("Phường Bến Thành Thành phố Hồ Chí Minh"),
    )
    wards = [units["Phường Sài Gòn"], units["Phường Tân Định"], ben_thanh]
    for ward, completed in zip(wards, (0, 3, 2), strict=True):
        for n in range(3):
            resident = person(ward)
            if n < completed:
                Enrollment.objects.create(user=resident, course=course, completed_at=timezone.now())
    assign(course, wards, due=today + timedelta(days=20))

    def cadre(name, *, managed=(), province=None, email=""):
        user = person(
            None,
            name=name,
            email=email,
            role=Role.PROVINCE_CADRE if province else Role.WARD_CADRE,
            managed_province=province,
        )
        user.managed_wards.set(managed)
        return user

    return {
        "saigon_cadre": cadre("Cán bộ Sài Gòn", managed=[wards[0]], email="sg@example.vn"),
        "tan_dinh_cadre": cadre("Cán bộ Tân Định", managed=[wards[1]], email="td@example.vn"),
        "province_cadre": cadre("Cán bộ Thành phố", province=units["hcm"]),
        "hanoi_cadre": cadre("Cán bộ Hà Nội", province=units["hanoi"], email="hn@example.vn"),
    }


def test_weekly_digest_goes_to_the_cadres_of_the_lagging_ward_only(province, today):
    assert digests_send(today=today) == 2

    week_start = today - timedelta(days=today.weekday())
    for who in ("saigon_cadre", "province_cadre"):
        digest = CadreDigest.objects.get(cadre=province[who])
        assert (digest.week_start, digest.lagging_ward_count) == (week_start, 1)
        notice = Notice.objects.get(user=province[who], kind="lagging_digest")
        assert notice.key == f"digest:{week_start.isoformat()}"
        assert "Phường Sài Gòn" in notice.message and "Tân Định" not in notice.message
    for who in ("tan_dinh_cadre", "hanoi_cadre"):
        assert not CadreDigest.objects.filter(cadre=province[who]).exists()
        assert not Notice.objects.filter(user=province[who]).exists()
    # The province cadre has no address: one e-mail, to the Sài Gòn cadre.
    assert [m.to for m in mail.outbox] == [["sg@example.vn"]]
    assert "Phường Sài Gòn" in mail.outbox[0].body
    assert CadreDigest.objects.get(cadre=province["saigon_cadre"]).emailed


def test_weekly_digest_is_sent_once_a_week(province, today):
    assert digests_send(today=today) == 2
    week_start = today - timedelta(days=today.weekday())
    assert digests_send(today=week_start + timedelta(days=6)) == 0
    assert tasks.send_weekly_digests.delay().get() == 0
    assert CadreDigest.objects.count() == 2 and len(mail.outbox) == 1

    assert digests_send(today=week_start + timedelta(days=7)) == 2
    assert CadreDigest.objects.count() == 4


def test_the_digest_shows_on_the_cadre_dashboard(client, province, today):
    digests_send(today=today)
    client.force_login(province["province_cadre"])
    page = client.get(reverse("training:dashboard")).content.decode()
    assert "vùng trũng" in page and "Phường Sài Gòn" in page


def test_a_digest_sent_on_sunday_counts_for_the_week_that_began_on_monday(province):
    digests_send(today=date(2026, 11, 15))  # a Sunday
    assert set(CadreDigest.objects.values_list("week_start", flat=True)) == {date(2026, 11, 9)}
    assert digests_send(today=date(2026, 11, 9)) == 0
