"""Certificates: issued at completion, rendered by the task, frozen, verifiable, revocable."""

import datetime
import hashlib
import re
import subprocess
import unicodedata

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.models import Role, User
from certificates import services
from certificates.models import Certificate, CertificateSettings, check_code_for, new_token
from certificates.selectors import certificate_number_normalise, certificate_verify
from courses.models import Enrollment, LessonPage

from .courses_helpers import make_course

pytestmark = pytest.mark.usefixtures("_private_media")


@pytest.fixture
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    cache.clear()


def complete_course(client, user, course, capture):
    client.force_login(user)
    client.post(reverse("learning:course_start", args=[course.pk]))
    with capture(execute=True):
        for lesson in LessonPage.objects.child_of(course).order_by("path"):
            client.post(reverse("learning:lesson_complete", args=[lesson.pk]))
    return Certificate.objects.get(user=user, course=course)


def pdf_text(certificate) -> str:
    path = certificate.pdf.path
    return subprocess.run(
        ["pdftotext", "-layout", path, "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def course(db):
    return make_course(lessons=2, slug="thanh-toan")


def test_completing_a_course_issues_one_certificate_rendered_by_the_task(
    client, learner, course, django_capture_on_commit_callbacks
):
    certificate = complete_course(client, learner, course, django_capture_on_commit_callbacks)
    certificate.refresh_from_db()
    assert certificate.status == "ready"
    assert certificate.number.startswith("HVS-") and len(certificate.token) >= 32
    assert certificate.pdf_sha256 == hashlib.sha256(certificate.pdf.read()).hexdigest()
    text = pdf_text(certificate)
    assert "GIẤY CHỨNG NHẬN" in text
    assert "Nguyễn Thị Hồng Nhung" in text  # every diacritic, as stored
    assert course.title in text and certificate.number in text
    assert "Ngày " in text and " tháng " in text and " năm " in text
    # completing again (a replayed request) issues nothing more
    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_issue(enrollment=Enrollment.objects.get(user=learner, course=course))
    assert Certificate.objects.filter(user=learner).count() == 1
    page = client.get(reverse("certificates:mine")).content.decode()
    assert (
        certificate.number in page
        and reverse("certificates:download", args=[certificate.number]) in page
    )


def test_rendering_twice_changes_nothing(
    client, learner, course, django_capture_on_commit_callbacks
):
    certificate = complete_course(client, learner, course, django_capture_on_commit_callbacks)
    certificate.refresh_from_db()
    before = (certificate.pdf.name, certificate.pdf_sha256, certificate.rendered_at)
    services.certificate_render(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    assert (certificate.pdf.name, certificate.pdf_sha256, certificate.rendered_at) == before


@pytest.mark.parametrize(
    "name",
    [
        "Nguyễn Thị Hồng Nhung Tôn Nữ Hoàng Hạnh Phúc Đặng Ngọc Bảo Trâm Lê Quang Minh Khôi Phạm Thị",
        "<b>Trần</b> Văn <script>alert(1)</script>",
    ],
)
def test_long_names_fit_and_html_is_printed_as_text(units, course, name):
    user = User.objects.create_user(
        phone="0988777666", password="x", full_name=name, ward=units["Phường Sài Gòn"]
    )
    enrollment = Enrollment.objects.create(user=user, course=course)
    certificate = services.certificate_issue(enrollment=enrollment)
    services.certificate_render(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    text = " ".join(pdf_text(certificate).split())
    assert " ".join(name.split()) in text
    pages = subprocess.run(["pdfinfo", certificate.pdf.path], capture_output=True, text=True).stdout
    assert "Pages:           1" in pages and "841.89 x 595.276" in pages  # one A4 landscape page


def test_a_certificate_is_frozen_until_an_admin_reissues_it(
    client, learner, course, django_capture_on_commit_callbacks
):
    certificate = complete_course(client, learner, course, django_capture_on_commit_callbacks)
    certificate.refresh_from_db()
    first_hash = certificate.pdf_sha256
    learner.full_name = "Nguyễn Hồng Nhung"
    learner.save()
    course.title = "Tên khóa mới"
    course.save_revision().publish()
    from wagtail.models import Site

    template = CertificateSettings.objects.create(
        site=Site.objects.get(is_default_site=True),
        organisation_name="Đơn vị mới",
        signer_name="Người ký mới",
    )
    services.template_version_record(settings_row=template)  # as the admin does on save
    certificate.refresh_from_db()
    assert certificate.full_name == "Nguyễn Thị Hồng Nhung" and certificate.pdf_sha256 == first_hash
    assert certificate_verify(token=certificate.token).outcome == "genuine"

    with django_capture_on_commit_callbacks(execute=True):
        new = services.certificate_reissue(certificate=certificate)
    new.refresh_from_db()
    certificate.refresh_from_db()
    assert (
        new.status == "ready"
        and new.full_name == "Nguyễn Hồng Nhung"
        and new.course_title == "Tên khóa mới"
    )
    assert new.template_version.organisation_name == template.organisation_name
    assert "ĐƠN VỊ MỚI" in pdf_text(new) and "Người ký mới" in pdf_text(new)
    assert certificate.status == "replaced" and certificate.replaced_by == new
    assert certificate_verify(token=certificate.token).outcome == "replaced"
    assert certificate_verify(token=new.token).outcome == "genuine"


def test_revoked_certificates_say_so_with_reason_and_date(
    client, learner, course, django_capture_on_commit_callbacks
):
    certificate = complete_course(client, learner, course, django_capture_on_commit_callbacks)
    services.certificate_revoke(certificate=certificate, reason="Cấp nhầm người")
    page = client.get(reverse("certificates:verify", args=[certificate.token])).content.decode()
    assert "đã bị thu hồi" in page and "Cấp nhầm người" in page


def test_public_page_shows_only_what_it_should(
    client, learner, course, django_capture_on_commit_callbacks
):
    certificate = complete_course(client, learner, course, django_capture_on_commit_callbacks)
    client.logout()
    response = client.get(reverse("certificates:verify", args=[certificate.token]))
    page = response.content.decode()
    assert response.status_code == 200 and "Giấy chứng nhận hợp lệ" in page
    assert "Nguyễn Thị Hồng Nhung" in page and certificate.number in page
    for private in ("0912", "+8491", "Phường Sài Gòn", f"/{learner.pk}/"):
        assert private not in page
    assert (
        response["X-Robots-Tag"].startswith("noindex") and 'name="robots" content="noindex' in page
    )


def test_a_changed_pdf_on_disk_no_longer_verifies(
    client, learner, course, django_capture_on_commit_callbacks
):
    certificate = complete_course(client, learner, course, django_capture_on_commit_callbacks)
    certificate.refresh_from_db()
    with open(certificate.pdf.path, "ab") as stored:
        stored.write(b"%% edited")
    assert certificate_verify(token=certificate.token).outcome == "tampered"


def test_random_tokens_are_unknown_and_the_rate_limit_engages(client, db):
    statuses = [
        client.get(reverse("certificates:verify", args=[f"random-token-{n}"])).status_code
        for n in range(40)
    ]
    assert statuses[:30] == [404] * 30
    assert set(statuses[30:]) == {429}
    assert client.get(reverse("certificates:verify", args=["x" * 500])).status_code in (404, 429)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("owner", 200),
        ("ward_cadre", 200),
        ("other_ward_cadre", 404),
        ("other_learner", 404),
        ("admin", 200),
        ("anonymous", 302),
    ],
)
def test_pdf_download_is_for_owner_cadres_of_the_ward_and_admins(
    client, learner, units, course, django_capture_on_commit_callbacks, who, status
):
    certificate = complete_course(client, learner, course, django_capture_on_commit_callbacks)
    people = {"owner": learner}
    people["ward_cadre"] = User.objects.create_user(
        phone="0901000001", password="x", full_name="Cán bộ", role=Role.WARD_CADRE
    )
    people["ward_cadre"].managed_wards.add(units["Phường Sài Gòn"])
    people["other_ward_cadre"] = User.objects.create_user(
        phone="0901000002", password="x", full_name="Cán bộ khác", role=Role.WARD_CADRE
    )
    people["other_ward_cadre"].managed_wards.add(units["Phường Ba Đình"])
    people["other_learner"] = User.objects.create_user(
        phone="0901000003", password="x", full_name="Học viên khác", ward=units["Phường Sài Gòn"]
    )
    people["admin"] = User.objects.create_superuser(
        phone="0901000004", password="x", full_name="Quản trị"
    )
    client.logout()
    if who != "anonymous":
        client.force_login(people[who])
    response = client.get(reverse("certificates:download", args=[certificate.number]))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_render_error_marks_the_certificate_failed_with_the_error(learner, course, monkeypatch):
    from certificates import tasks

    enrollment = Enrollment.objects.create(user=learner, course=course)
    certificate = services.certificate_issue(enrollment=enrollment)
    monkeypatch.setattr(
        services, "render_pdf", lambda c: (_ for _ in ()).throw(ValueError("mẫu hỏng"))
    )
    tasks.render_certificate.apply(args=[certificate.pk])
    certificate.refresh_from_db()
    assert certificate.status == "failed" and "mẫu hỏng" in certificate.error
    monkeypatch.undo()
    assert (
        services.certificates_requeue(
            include_failed=True, older_than=__import__("datetime").timedelta(0)
        )
        == 1
    )
    certificate.refresh_from_db()
    assert certificate.status == "ready"


def test_sweep_requeues_only_stale_pending_certificates(learner, course):
    import datetime

    from django.utils import timezone

    enrollment = Enrollment.objects.create(user=learner, course=course)
    certificate = services.certificate_issue(enrollment=enrollment)  # its message "lost": never ran
    assert services.certificates_requeue() == 0  # too fresh to presume lost
    Certificate.objects.filter(pk=certificate.pk).update(
        queued_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    assert services.certificates_requeue() == 1
    certificate.refresh_from_db()
    assert certificate.status == "ready"


def test_sweep_does_not_queue_a_backlog_again_every_minute(learner, course, settings):
    import datetime

    from django.utils import timezone

    from learning.celery import app

    certificate = services.certificate_issue(
        enrollment=Enrollment.objects.create(user=learner, course=course)
    )
    Certificate.objects.filter(pk=certificate.pk).update(
        queued_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    app.conf.task_always_eager = False  # the broker is busy: nothing gets rendered meanwhile
    try:
        from unittest import mock

        with mock.patch("certificates.tasks.render_certificate.delay") as delay:
            assert services.certificates_requeue() == 1
            assert services.certificates_requeue() == 0  # a minute later: just asked, wait
        assert delay.call_count == 1
    finally:
        app.conf.task_always_eager = True


def test_admin_revokes_and_reissues_from_the_wagtail_admin(
    client, learner, course, django_capture_on_commit_callbacks
):
    certificate = complete_course(client, learner, course, django_capture_on_commit_callbacks)
    admin = User.objects.create_superuser(phone="0901000009", password="x", full_name="Quản trị")
    client.force_login(admin)
    assert client.get(reverse("certificate_admin:index")).status_code == 200
    inspect = client.get(
        reverse("certificate_admin:inspect", args=[certificate.pk])
    ).content.decode()
    assert reverse("certificate_admin:revoke", args=[certificate.pk]) in inspect
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("certificate_admin:reissue", args=[certificate.pk]))
    new = Certificate.objects.exclude(pk=certificate.pk).get()
    assert new.replaces_id == certificate.pk and new.status == "ready"
    response = client.post(reverse("certificate_admin:revoke", args=[new.pk]), {"reason": ""})
    assert response.status_code == 200
    client.post(
        reverse("certificate_admin:revoke", args=[new.pk]), {"reason": "Gian lận khi làm bài"}
    )
    new.refresh_from_db()
    assert new.status == "revoked" and new.revoked_reason == "Gian lận khi làm bài"
    failed_list = client.get(reverse("certificate_admin:index"), {"status": "failed"})
    assert failed_list.status_code == 200


def test_requeue_command_retries_failed_certificates(learner, course):
    from io import StringIO

    from django.core.management import call_command

    certificate = services.certificate_issue(
        enrollment=Enrollment.objects.create(user=learner, course=course)
    )
    Certificate.objects.filter(pk=certificate.pk).update(status="failed", error="boom")
    out = StringIO()
    call_command("requeue_certificates", "--failed", stdout=out)
    assert "Queued 1" in out.getvalue()
    certificate.refresh_from_db()
    assert certificate.status == "ready" and certificate.error == ""


# --- Verification by number: the number alone tells nothing ------------------------------


def verify_by_number(client, **params):
    cache.clear()  # the look-ups below are not what the rate-limit test is about
    response = client.get(reverse("certificates:verify_form"), params)
    return response, response.content.decode()


@pytest.fixture
def issued(client, learner, course, django_capture_on_commit_callbacks):
    certificate = complete_course(client, learner, course, django_capture_on_commit_callbacks)
    client.logout()
    certificate.refresh_from_db()
    return certificate


def test_a_number_alone_reveals_no_holder(client, issued, course):
    for number in (issued.number, issued.number.lower(), "HVS-2026-000002"):
        response, page = verify_by_number(client, so=number)
        assert response.status_code == 200
        assert "Nguyễn" not in page and course.title not in page, page
        assert "Giấy chứng nhận hợp lệ" not in page
        assert "Hãy nhập thêm họ và tên người được cấp" in page


@pytest.mark.parametrize(
    "typed_name",
    [
        "Nguyễn Thị Hồng Nhung",
        "nguyễn thị hồng nhung",
        "  NGUYỄN   THỊ HỒNG  NHUNG ",
        unicodedata.normalize("NFD", "Nguyễn Thị Hồng Nhung"),
    ],
)
@pytest.mark.parametrize(
    "spell", [str, lambda n: n.replace("-", " "), lambda n: n.replace("-", "").lower()]
)
def test_the_holders_name_in_any_case_proves_the_number(client, issued, course, typed_name, spell):
    response, page = verify_by_number(client, so=spell(issued.number), ho_ten=typed_name)
    assert response.status_code == 200 and "Giấy chứng nhận hợp lệ" in page
    # Nothing the visitor did not type: no course, no completion date, no stored spelling.
    assert course.title not in page and issued.completed_on.strftime("%d/%m/%Y") not in page
    assert "Nguyễn Thị Hồng Nhung" not in page or typed_name == "Nguyễn Thị Hồng Nhung"


@pytest.mark.parametrize(
    "wrong_name",
    ["Nguyen Thi Hong Nhung", "Nguyễn Thị Hồng Nhưng", "Nguyễn Thị Hồng", "Nguyễn Văn An"],
)
def test_a_wrong_name_answers_exactly_like_a_number_that_does_not_exist(client, issued, wrong_name):
    unused = issued.number[:-6] + "999999"
    wrong, wrong_page = verify_by_number(client, so=issued.number, ho_ten=wrong_name)
    unknown, unknown_page = verify_by_number(client, so=unused, ho_ten=wrong_name)

    def comparable(page: str, number: str) -> str:
        page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
        return page.replace(number, "NUMBER")

    assert wrong.status_code == unknown.status_code == 404
    assert comparable(wrong_page, issued.number) == comparable(unknown_page, unused)
    assert "Không tìm thấy giấy chứng nhận" in wrong_page
    assert "Giấy chứng nhận hợp lệ" not in wrong_page


def test_the_check_code_printed_on_the_pdf_proves_the_number(client, issued, course):
    printed = re.search(r"Mã kiểm tra: ([A-Z0-9]{3}-[A-Z0-9]{3})", pdf_text(issued))[1]
    assert printed.replace("-", "") == issued.check_code
    for typed in (printed, printed.lower(), printed.replace("-", " ")):
        response, page = verify_by_number(client, so=issued.number, ma=typed)
        assert response.status_code == 200 and "Giấy chứng nhận hợp lệ" in page
        assert "Nguyễn" not in page and course.title not in page
    wrong_code = "".join(reversed(issued.check_code))
    assert verify_by_number(client, so=issued.number, ma=wrong_code)[0].status_code == 404
    # Every proof typed must hold: a right code does not excuse a wrong name.
    both = verify_by_number(client, so=issued.number, ma=printed, ho_ten="Trần Văn Bình")
    assert both[0].status_code == 404


def test_a_revoked_certificate_by_number_shows_the_reason(client, issued):
    services.certificate_revoke(certificate=issued, reason="Cấp nhầm người")
    response, page = verify_by_number(client, so=issued.number, ho_ten="nguyễn thị hồng nhung")
    assert "đã bị thu hồi" in page and "Cấp nhầm người" in page
    assert verify_by_number(client, so=issued.number)[1].count("thu hồi") == 0


def test_a_replaced_certificate_by_number_says_so_without_the_new_number(
    client, issued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new = services.certificate_reissue(certificate=issued)
    _, page = verify_by_number(client, so=issued.number, ma=issued.check_code)
    assert "đã được cấp lại" in page and new.number not in page
    by_token = client.get(reverse("certificates:verify", args=[issued.token])).content.decode()
    assert new.number in by_token  # the QR page, opened with the secret, still tells it


def test_a_badly_typed_number_gets_a_clear_message_and_no_lookup(client, db):
    response, page = verify_by_number(client, so="số 12", ho_ten="Nguyễn Văn An")
    assert response.status_code == 200 and "ví dụ HVS-2026-000123" in page
    # A link with other parameters (a QR app's tracking) shows the empty form, no error.
    response, page = verify_by_number(client, utm_source="zalo")
    assert response.status_code == 200 and 'role="alert"' not in page


def test_check_codes_come_from_the_token_in_an_unambiguous_alphabet():
    codes = {check_code_for(new_token()) for _ in range(200)}
    assert len(codes) == 200
    assert all(len(code) == 6 and not set(code) & set("01OIL") for code in codes)
    assert check_code_for("same-token") == check_code_for("same-token")


def test_number_spellings_people_type_are_understood():
    for typed in ("HVS 2026 000001", "hvs2026000001", "HVS-2026-000001", " hvs–2026–1 "):
        assert certificate_number_normalise(number=typed) == "HVS-2026-000001"
    for typed in ("", "HVS", "12", "HVS-26-1", "x" * 500):
        assert certificate_number_normalise(number=typed) == ""


def test_the_printed_qr_code_scans_to_the_verification_page(
    client, learner, course, django_capture_on_commit_callbacks, tmp_path
):
    certificate = complete_course(client, learner, course, django_capture_on_commit_callbacks)
    certificate.refresh_from_db()
    # 72 dpi: the page as a phone shows it on screen, not a high-resolution scan
    subprocess.run(
        ["pdftoppm", "-png", "-r", "72", "-singlefile", certificate.pdf.path, tmp_path / "page"],
        check=True,
    )
    scanned = subprocess.run(
        ["zbarimg", "--quiet", "--raw", tmp_path / "page.png"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert scanned.endswith(reverse("certificates:verify", args=[certificate.token]))


# Two connections, so real commits: a transactional database, restored as migrations left it.
@pytest.mark.usefixtures("migrated_db")
def test_a_learner_completing_a_course_never_waits_for_a_certificate_being_rendered(
    learner, monkeypatch
):
    """While a worker renders (its certificate row locked), another learner's certificate
    INSERT goes through at once instead of queueing behind the render."""
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("row-lock modes are PostgreSQL's; SQLite locks the whole database")
    course = make_course(lessons=1, slug="khoa-khoa-hang")
    other = User.objects.create(phone="+84900000001", full_name="Trần Văn Ước")
    with transaction.atomic():
        rendering = Certificate.objects.create(
            user=learner,
            course=course,
            number="HVS-2026-900001",
            full_name=learner.full_name,
            course_title=course.title,
            completed_on="2026-01-05",
            template_version=services.template_version_current(),
        )
    outcome = {}

    def completing_learner() -> None:
        """The INSERT a completing learner's request makes, on its own connection."""
        from django.db import connections

        try:
            with transaction.atomic():
                with connections["default"].cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '1s'")
                Certificate.objects.create(
                    user=other,
                    course=course,
                    number="HVS-2026-900002",
                    full_name=other.full_name,
                    course_title=course.title,
                    completed_on="2026-01-05",
                    template_version=rendering.template_version,
                )
            outcome["inserted"] = True
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcome["error"] = repr(error)
        finally:
            connections.close_all()

    real_render = services.render_pdf

    def render_while_another_learner_completes(certificate):
        import threading

        thread = threading.Thread(target=completing_learner)
        thread.start()
        thread.join(timeout=10)
        return real_render(certificate)

    monkeypatch.setattr(services, "render_pdf", render_while_another_learner_completes)
    services.certificate_render(certificate_id=rendering.pk)
    assert outcome == {"inserted": True}
    rendering.refresh_from_db()
    assert rendering.status == "ready"


@pytest.mark.parametrize("installed", [True, False])
def test_a_worker_says_at_start_when_harfbuzz_subset_is_missing(installed, monkeypatch, caplog):
    from celery.signals import worker_init
    from weasyprint.text import ffi

    import certificates.pdf  # noqa: F401 - connects the worker_init handler

    if not installed:
        monkeypatch.setattr(ffi, "harfbuzz_subset", None)  # as on a machine without the library
    elif ffi.harfbuzz_subset is None:
        pytest.skip("libharfbuzz-subset0 is not installed here (make install adds it)")
    with caplog.at_level("WARNING", logger="certificates.pdf"):
        worker_init.send(sender=None)
    warned = [r.getMessage() for r in caplog.records if "libharfbuzz-subset0" in r.getMessage()]
    assert len(warned) == (0 if installed else 1)


def _pending_certificate(learner, course) -> Certificate:
    return Certificate.objects.create(
        user=learner,
        course=course,
        number=f"HVS-2026-{800001 + Certificate.objects.count()}",
        full_name=learner.full_name,
        course_title=course.title,
        completed_on=datetime.date(2026, 1, 5),
        template_version=services.template_version_current(),
    )


def test_a_certificate_revoked_while_it_renders_stays_revoked_and_keeps_no_file(
    learner, course, monkeypatch, settings
):
    """The render runs with no row locked, so a revocation can land meanwhile: the
    render then records nothing and removes the file it wrote."""
    certificate = _pending_certificate(learner, course)
    real_render = services.render_pdf

    def revoked_meanwhile(row):
        services.certificate_revoke(certificate=row, reason="Cấp nhầm người")
        return real_render(row)

    monkeypatch.setattr(services, "render_pdf", revoked_meanwhile)
    services.certificate_render(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    assert certificate.status == "revoked" and not certificate.pdf and not certificate.pdf_sha256
    assert not list((settings.PRIVATE_MEDIA_ROOT / "certificates").rglob("*.pdf"))


def test_two_runs_of_one_render_record_one_file_and_leave_no_other(
    learner, course, monkeypatch, settings
):
    """A redelivered task rendering at the same time as the first copy: one file is
    recorded (its hash matching), the other copy's file is deleted."""
    certificate = _pending_certificate(learner, course)
    real_render = services.render_pdf
    nested = []

    def another_copy_finishes_first(row):
        if not nested:
            nested.append("rendering")
            nested.append(services.certificate_render(certificate_id=row.pk))
        return real_render(row)

    monkeypatch.setattr(services, "render_pdf", another_copy_finishes_first)
    services.certificate_render(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    assert certificate.status == "ready" and certificate.pdf.name == nested[1].pdf.name
    files = list((settings.PRIVATE_MEDIA_ROOT / "certificates").rglob("*.pdf"))
    assert [f.name for f in files] == [certificate.pdf.name.rsplit("/", 1)[1]]
    assert hashlib.sha256(files[0].read_bytes()).hexdigest() == certificate.pdf_sha256


# Two connections, so real commits.
@pytest.mark.usefixtures("migrated_db")
def test_an_officer_revoking_a_certificate_being_rendered_does_not_wait(learner, monkeypatch):
    """No row is locked while WeasyPrint works: revoking that very certificate from
    another connection goes through at once (it used to wait for the whole render)."""
    from django.db import connection, connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("row-lock modes are PostgreSQL's; SQLite locks the whole database")
    course = make_course(lessons=1, slug="khoa-thu-hoi")
    certificate = _pending_certificate(learner, course)
    outcome = {}

    def officer_revokes() -> None:
        try:
            with transaction.atomic():
                with connections["default"].cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '1s'")
                services.certificate_revoke(certificate=certificate, reason="Cấp nhầm người")
            outcome["revoked"] = True
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcome["error"] = repr(error)
        finally:
            connections.close_all()

    real_render = services.render_pdf

    def render_while_an_officer_revokes(row):
        import threading

        assert not connection.in_atomic_block  # no transaction open around the render
        thread = threading.Thread(target=officer_revokes)
        thread.start()
        thread.join(timeout=10)
        return real_render(row)

    monkeypatch.setattr(services, "render_pdf", render_while_an_officer_revokes)
    services.certificate_render(certificate_id=certificate.pk)
    assert outcome == {"revoked": True}
    certificate.refresh_from_db()
    assert certificate.status == "revoked" and not certificate.pdf


def test_the_small_user_agent_stylesheet_prints_the_same_page(learner, course, tmp_path):
    """certificates.pdf styles the page from a few browser defaults, not WeasyPrint's
    whole HTML stylesheet: the printed page must be the same, pixel for pixel."""
    from django.conf import settings
    from weasyprint import HTML

    from certificates import pdf

    certificate = _pending_certificate(learner, course)
    certificate.full_name = "Tôn Nữ Hoàng Hạnh Phúc Đặng Ngọc Bảo Trâm Lê Quang Minh Khôi " * 2
    font_config, css = pdf.font_config_and_css()
    full_defaults = HTML(
        string=pdf.certificate_html(certificate),
        base_url=str(settings.BASE_DIR),
        url_fetcher=pdf._url_fetcher(),
    ).write_pdf(stylesheets=[css], font_config=font_config)
    pages = {}
    for label, data in (("ours", pdf.render_pdf(certificate)), ("full", full_defaults)):
        (tmp_path / f"{label}.pdf").write_bytes(data)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "100", "-singlefile", tmp_path / f"{label}.pdf"]
            + [tmp_path / label],
            check=True,
        )
        pages[label] = (tmp_path / f"{label}.png").read_bytes()
    assert pages["ours"] == pages["full"]


def test_the_qr_png_has_exactly_segnos_modules():
    """Pillow writes the QR image; it must be segno's code, module for module."""
    import base64
    import io

    import segno
    from PIL import Image

    from certificates import pdf

    url = "https://hocvuso.gov.vn/xac-minh/" + new_token() + "/"

    def pixels(uri):
        image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
        return image.size, image.convert("L").tobytes()

    reference = segno.make(url, error="m", micro=False, mask=pdf.QR_MASK)
    assert pixels(pdf._qr_png(url)) == pixels(reference.png_data_uri(scale=4, border=2))


# Real transactions: the relaxed commit applies only to a transaction of the render's own.
@pytest.mark.usefixtures("migrated_db")
def test_the_worker_records_a_pdf_without_waiting_for_the_disk_but_learners_do(
    learner, units, monkeypatch
):
    """Only the worker's short recording transaction commits asynchronously (safe: a lost
    update leaves the row pending for the sweep); a learner's issuing commit never does."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")
    course = make_course(lessons=1, slug="khoa-ghi-nhanh")
    certificate = _pending_certificate(learner, course)
    with CaptureQueriesContext(connection) as rendering:
        services.certificate_render(certificate_id=certificate.pk)
    sql = [query["sql"] for query in rendering.captured_queries]
    relaxed = next(i for i, q in enumerate(sql) if "synchronous_commit TO OFF" in q)
    update = next(i for i, q in enumerate(sql) if q.startswith('UPDATE "certificates_certificate"'))
    assert relaxed < update

    other = User.objects.create_user(phone="0988777001", password="x", full_name="Lê Văn Tám")
    monkeypatch.setattr(services, "_queue_render", lambda certificate: None)  # the issue alone
    with CaptureQueriesContext(connection) as issuing:
        services.certificate_issue(enrollment=Enrollment.objects.create(user=other, course=course))
    assert not [q for q in issuing.captured_queries if "synchronous_commit" in q["sql"]]

    # Called inside someone else's transaction, it leaves that transaction's commit alone.
    from django.db import transaction

    again = _pending_certificate(other, make_course(lessons=1, slug="khoa-long-nhau"))
    with transaction.atomic(), CaptureQueriesContext(connection) as nested:
        services.certificate_render(certificate_id=again.pk)
    assert not [q for q in nested.captured_queries if "synchronous_commit" in q["sql"]]
