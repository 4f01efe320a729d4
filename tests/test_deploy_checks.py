"""`manage.py check --deploy` refuses a production without a public https SITE_URL."""

import pytest
from django.core.checks import registry
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from learning.checks import check_site_url


@pytest.mark.parametrize(
    ("site_url", "error"),
    [
        ("", "learning.E001"),
        ("http://127.0.0.1:8000", "learning.E002"),
        ("https://127.0.0.1", "learning.E002"),
        ("https://127.8.0.1:8443/", "learning.E002"),
        ("https://localhost", "learning.E002"),
        ("https://app.localhost", "learning.E002"),
        ("https://[::1]", "learning.E002"),
        ("https://0.0.0.0", "learning.E002"),
        ("http://hocvuso.example.vn", "learning.E002"),
        ("hocvuso.example.vn", "learning.E002"),
    ],
)
def test_a_missing_local_or_plain_http_site_url_is_an_error(settings, site_url, error):
    settings.SITE_URL = site_url
    assert [message.id for message in check_site_url()] == [error]


def test_the_public_https_address_passes(settings):
    settings.SITE_URL = "https://hocvuso.example.vn"
    assert check_site_url() == []


def test_it_runs_with_check_deploy_only(settings, db):
    assert check_site_url in registry.registry.get_checks(include_deployment_checks=True)
    assert check_site_url not in registry.registry.get_checks(include_deployment_checks=False)
    settings.SITE_URL = ""
    with pytest.raises(SystemCheckError, match="learning.E001"):
        call_command("check", "--deploy")
    call_command("check")  # a local run without SITE_URL is fine
