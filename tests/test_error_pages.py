from django.test import override_settings


@override_settings(DEBUG=False)
def test_unknown_page_gets_a_vietnamese_404(client, db):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


def test_server_error_page_is_static_and_bilingual():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Xin lỗi, đã có lỗi" in html and "vẫn được lưu" in html and "Sorry" in html
