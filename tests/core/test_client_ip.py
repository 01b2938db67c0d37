import logging

from django.test import RequestFactory

from core import ratelimit


def _request(**meta):
    return RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", **meta)


def test_client_ip_behind_one_proxy_is_the_address_nginx_saw(settings):
    settings.NUM_PROXIES = 1
    request = _request(HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")

    assert ratelimit.client_ip(request) == "203.0.113.7"


def test_forwarded_for_without_num_proxies_warns_once_per_process(settings, caplog):
    settings.NUM_PROXIES = 0
    ratelimit._warn_unused_forwarded_for.cache_clear()
    request = _request(HTTP_X_FORWARDED_FOR="203.0.113.7")

    with caplog.at_level(logging.WARNING, logger="core.ratelimit"):
        first = ratelimit.client_ip(request)
        ratelimit.client_ip(request)

    assert first == "127.0.0.1"
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1
    assert "NUM_PROXIES is 0" in warnings[0]


def test_no_warning_without_forwarded_for(settings, caplog):
    settings.NUM_PROXIES = 0
    ratelimit._warn_unused_forwarded_for.cache_clear()

    with caplog.at_level(logging.WARNING, logger="core.ratelimit"):
        ratelimit.client_ip(_request())

    assert caplog.records == []
