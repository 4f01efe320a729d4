"""The fixed lists courses are tagged with (VIETNAM.md)."""

from django.db import migrations

DOMAINS = [
    (1, "Khai thác dữ liệu và thông tin"),
    (2, "Giao tiếp và hợp tác trong môi trường số"),
    (3, "Sáng tạo nội dung số"),
    (4, "An toàn"),
    (5, "Giải quyết vấn đề"),
    (6, "Ứng dụng trí tuệ nhân tạo"),
]
SKILLS = [
    ("public_services", "Dịch vụ công trực tuyến"),
    ("shopping", "Mua sắm trực tuyến"),
    ("payment", "Thanh toán trực tuyến"),
    ("safety", "An toàn trên mạng"),
    ("local_platforms", "Nền tảng số địa phương"),
]


def create(apps, schema_editor):
    CompetenceDomain = apps.get_model("courses", "CompetenceDomain")
    BasicSkill = apps.get_model("courses", "BasicSkill")
    for number, name in DOMAINS:
        CompetenceDomain.objects.update_or_create(number=number, defaults={"name": name})
    for key, name in SKILLS:
        BasicSkill.objects.update_or_create(key=key, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("courses", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
