import pytest
from django.core.management import call_command

from accounts.models import Province, Ward
from accounts.selectors import ward_former_name_matching, ward_search


@pytest.mark.django_db
def test_load_units_loads_the_2025_list_once_and_is_idempotent(capsys):
    call_command("load_units")
    assert Province.objects.count() == 34
    assert Ward.objects.count() == 3321
    assert Ward.objects.filter(division_type="xã").count() == 2621
    assert Ward.objects.filter(division_type="phường").count() == 687
    assert Ward.objects.filter(division_type="đặc khu").count() == 13
    assert Ward.objects.filter(province__code=79).count() == 168
    assert Ward.objects.filter(province__code=1).count() == 126

    Ward.objects.filter(code=26740).update(name="tên sai")  # a stale name gets corrected
    first_ids = set(Ward.objects.values_list("pk", flat=True))
    call_command("load_units")
    assert "wards: 0 created, 1 updated" in capsys.readouterr().out
    assert set(Ward.objects.values_list("pk", flat=True)) == first_ids
    assert Ward.objects.get(code=26740).name == "Phường Sài Gòn"

    # an old ward name finds the ward it was merged into
    results = ward_search(query="Bến Nghé")
    assert results[0].name == "Phường Sài Gòn"
    assert ward_former_name_matching(ward=results[0], query="Bến Nghé") == "Phường Bến Nghé"


def test_search_folds_diacritics_and_prefers_current_names(units):
    assert [w.name for w in ward_search(query="phuong sai gon")] == ["Phường Sài Gòn"]
    # "Đa Kao" went into two wards; both are offered
    assert {w.name for w in ward_search(query="da kao")} == {"Phường Sài Gòn", "Phường Tân Định"}
    # "Tân Định" is a current name and a former one: the current match comes first
    assert ward_search(query="tan dinh")[0].name == "Phường Tân Định"
    assert ward_search(query="") == []
    assert ward_search(query="x" * 500) == []
