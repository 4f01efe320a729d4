"""Rate limits: per person where a person is attacked, per address only at a high
threshold (many people share one address on mobile networks), the address taken the
way django-axes takes it (PROXY_COUNT), counted in the shared cache, and never a 500
when that cache is down."""

import socket

import pytest
from django.urls import reverse

from accounts import ratelimit, services
from learning.settings.base import REDIS_CACHE_OPTIONS, client_ip_settings

PASSWORD = "hoc-vu-so-2026"
# Two residents who reach the site through the same carrier address (CGNAT).
SHARED_ADDRESS = "113.160.10.20"
PROXY = "10.0.0.2"  # the site's own reverse proxy


@pytest.fixture
def behind_one_proxy(settings):
    """PROXY_COUNT=1: one trusted reverse proxy writes the client address into X-Forwarded-For."""
    for name, value in client_ip_settings(1).items():
        setattr(settings, name, value)


def via_proxy(client_address: str, spoofed: str = "") -> dict:
    """Headers of a request that came through our proxy; `spoofed` is what the client sent."""
    forwarded = f"{spoofed}, {client_address}" if spoofed else client_address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}


def make_resident(units, phone: str, name: str):
    return services.user_register(
        phone=phone,
        full_name=name,
        password=PASSWORD,
        ward=units["Phường Sài Gòn"],
        birth_year=1970,
    )


def log_in(client, phone: str, password: str, **headers):
    return client.post(
        reverse("accounts:login"), {"username": phone, "password": password}, **headers
    )


# ---------------------------------------------------------------- the client address


def test_proxy_count_zero_ignores_a_forged_forwarded_for(rf):
    request = rf.get("/", REMOTE_ADDR="113.160.10.20", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert ratelimit.client_address(request) == "113.160.10.20"


def test_behind_one_proxy_the_address_is_the_one_the_proxy_wrote(rf, behind_one_proxy):
    request = rf.get("/", **via_proxy("113.160.10.20", spoofed="1.2.3.4, 5.6.7.8"))
    assert ratelimit.client_address(request) == "113.160.10.20"


# ---------------------------------------------------------------- log in


def test_five_wrong_passwords_lock_that_phone_not_a_neighbour_on_the_same_address(
    client, units, behind_one_proxy
):
    make_resident(units, "0987000001", "Lê Thị Một")
    make_resident(units, "0987000002", "Trần Văn Hai")
    headers = via_proxy(SHARED_ADDRESS)
    statuses = [
        log_in(client, "0987000001", "sai-mat-khau", **headers).status_code for _ in range(6)
    ]
    assert statuses[-1] == 429
    # the attacked number stays locked, even with the right password
    assert log_in(client, "0987000001", PASSWORD, **headers).status_code == 429
    # the other person behind the same address logs in
    response = log_in(client, "0987000002", PASSWORD, **headers)
    assert response.status_code == 302
    assert response["Location"] == reverse("learning:my_learning")


def test_an_address_is_refused_only_after_fifty_failures_across_numbers(
    client, units, behind_one_proxy
):
    make_resident(units, "0987000002", "Trần Văn Hai")
    headers = via_proxy(SHARED_ADDRESS)
    limit = ratelimit.LOGIN_FAILURES_PER_ADDRESS.max_hits
    assert limit == 50  # the number the README states
    for n in range(limit):  # a script trying one password on many numbers
        assert log_in(client, f"09770{n:05d}", "123456abc", **headers).status_code == 200
    refused = log_in(client, "0987000002", PASSWORD, **headers)
    assert refused.status_code == 429
    assert "Từ mạng bạn đang dùng" in refused.content.decode()
    # another address behind the same proxy is not affected
    assert log_in(client, "0987000002", PASSWORD, **via_proxy("14.160.1.1")).status_code == 302


def test_a_forged_forwarded_for_does_not_escape_the_address_limit(client, units):
    """PROXY_COUNT=0 (no proxy): a client making up X-Forwarded-For is still one address."""
    for n in range(ratelimit.LOGIN_FAILURES_PER_ADDRESS.max_hits):
        log_in(
            client,
            f"09770{n:05d}",
            "123456abc",
            REMOTE_ADDR=SHARED_ADDRESS,
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
    response = log_in(
        client, "0977099999", "x", REMOTE_ADDR=SHARED_ADDRESS, HTTP_X_FORWARDED_FOR="8.8.8.8"
    )
    assert response.status_code == 429


# ---------------------------------------------------------------- sign up


def signup_data(units, phone: str) -> dict:
    ward = units["Phường Sài Gòn"]
    return {
        "full_name": "Trần Văn Bình",
        "phone": phone,
        "birth_year": "1958",
        "province": ward.province_id,
        "ward": ward.pk,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "consent": "on",
    }


def test_sign_up_cannot_be_used_to_test_thousands_of_numbers(client, units, behind_one_proxy):
    make_resident(units, "0987000002", "Trần Văn Hai")
    headers = via_proxy(SHARED_ADDRESS)
    limit = ratelimit.SIGN_UP_ATTEMPTS_PER_ADDRESS.max_hits
    assert limit == 20
    for n in range(limit):  # probing: which numbers are registered?
        data = signup_data(units, f"09870{n:05d}") | {"password2": "khac"}
        assert client.post(reverse("accounts:signup"), data, **headers).status_code == 400
    probe = client.post(reverse("accounts:signup"), signup_data(units, "0987000002"), **headers)
    assert probe.status_code == 429
    page = probe.content.decode()
    assert "đã được đăng ký" not in page  # no answer to the question once throttled
    assert "quá nhiều lượt đăng ký" in page
    assert "Trần Văn Bình" in page  # what the person typed is kept
    # someone behind another address signs up as usual
    other = client.post(
        reverse("accounts:signup"), signup_data(units, "0987111222"), **via_proxy("14.160.1.1")
    )
    assert other.status_code == 302


def test_ward_picker_reloads_do_not_count_as_sign_ups(client, units):
    ward = units["Phường Sài Gòn"]
    for _ in range(ratelimit.SIGN_UP_ATTEMPTS_PER_ADDRESS.max_hits + 5):
        reload = client.post(
            reverse("accounts:signup"), {"province": ward.province_id, "action": "pick_province"}
        )
        assert reload.status_code == 200
    response = client.post(reverse("accounts:signup"), signup_data(units, "0987111222"))
    assert response.status_code == 302


# ---------------------------------------------------------------- certificate check


def test_certificate_lookups_count_per_address_behind_the_proxy(client, db, behind_one_proxy):
    limit = ratelimit.CERTIFICATE_LOOKUPS_PER_ADDRESS.max_hits
    for n in range(limit):
        response = client.get(
            reverse("certificates:verify", args=[f"token-{n}"]),
            **via_proxy(SHARED_ADDRESS, spoofed=f"1.1.1.{n}"),
        )
        assert response.status_code == 404
    blocked = client.get(
        reverse("certificates:verify", args=["token-x"]), **via_proxy(SHARED_ADDRESS)
    )
    assert blocked.status_code == 429
    other = client.get(reverse("certificates:verify", args=["token-x"]), **via_proxy("14.160.1.1"))
    assert other.status_code == 404


# ---------------------------------------------------------------- the cache


def test_counts_live_in_the_shared_cache(rf, db):
    """What one web process counted, another sees: the count is in Django's cache."""
    from django.core.cache import caches

    request = rf.get("/", REMOTE_ADDR=SHARED_ADDRESS)
    key = ratelimit.client_address(request)
    limit = ratelimit.CERTIFICATE_LOOKUPS_PER_ADDRESS
    ratelimit.limit_hit(limit=limit, key=key)
    ratelimit.limit_hit(limit=limit, key=key)
    # a fresh connection to the same cache, as another process would open
    fresh = caches.create_connection("default")
    assert fresh.get(ratelimit._cache_key(limit, key)) == 2
    assert ratelimit.limit_count(limit=limit, key=key) == 2


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def cache_down(settings):
    """The cache is a Redis server that is not running, behind production's backend (every
    page now reads Wagtail's site through the cache, so a bare RedisCache would fail the page
    before any limiter runs)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "learning.cache.TolerantRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_unused_port()}/0",
        }
    }


def test_with_the_cache_down_the_limiters_let_people_in(client, units, cache_down, caplog):
    make_resident(units, "0987000002", "Trần Văn Hai")
    assert client.get(reverse("certificates:verify", args=["token-x"])).status_code == 404
    assert log_in(client, "0987000002", "sai").status_code == 200
    assert log_in(client, "0987000002", PASSWORD).status_code == 302
    client.logout()
    response = client.post(reverse("accounts:signup"), signup_data(units, "0987111222"))
    assert response.status_code == 302
    assert "treated as a miss" in caplog.text or "cache unavailable" in caplog.text


def test_a_cache_that_hangs_does_not_hang_the_certificate_check(client, db, settings):
    """A Redis that accepts connections but never answers: the limiter gives up in
    seconds (the production cache options) and lets the look-up through."""
    import time

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # connections are queued, never answered
        settings.CACHES = {
            "default": {
                "BACKEND": "learning.cache.TolerantRedisCache",
                "LOCATION": f"redis://127.0.0.1:{silent.getsockname()[1]}/0",
                "OPTIONS": REDIS_CACHE_OPTIONS,
            }
        }
        started = time.monotonic()
        response = client.get(reverse("certificates:verify", args=["token-x"]))
        assert response.status_code == 404
        assert time.monotonic() - started < 10
