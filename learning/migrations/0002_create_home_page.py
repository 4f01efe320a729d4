"""Replace Wagtail's placeholder "Welcome" page with our HomePage as the site root."""

from django.db import migrations

HOME_TITLE = "Học vụ số"
HOME_INTRO = (
    "<p>Học kỹ năng số cơ bản ngay trên điện thoại: dùng điện thoại thông minh, tài khoản "
    "định danh điện tử VNeID, dịch vụ công trực tuyến, thanh toán an toàn, nhận diện lừa đảo "
    "và gửi phản ánh qua Mặt trận số. Mỗi bài học chỉ vài phút; học xong được cấp giấy chứng nhận "
    "có mã QR để ai cũng kiểm tra được.</p>"
)


def create_home_page(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    Locale = apps.get_model("wagtailcore.Locale")
    HomePage = apps.get_model("learning.HomePage")

    Page.objects.filter(depth=2, slug="home").exclude(
        content_type__app_label="learning"
    ).delete()
    if HomePage.objects.exists():
        return
    content_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="learning")
    locale = Locale.objects.order_by("pk").first()
    home = HomePage.objects.create(
        title=HOME_TITLE,
        draft_title=HOME_TITLE,
        slug="home",
        content_type=content_type,
        path="00010001",
        depth=2,
        numchild=0,
        url_path="/home/",
        intro=HOME_INTRO,
        locale=locale,
        live=True,
    )
    Page.objects.filter(depth=1).update(numchild=1)
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": home, "site_name": HOME_TITLE},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("learning", "0001_initial"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_home_page, migrations.RunPython.noop)]
