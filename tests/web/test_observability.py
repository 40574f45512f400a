"""Liveness, readiness, request ids and Prometheus metrics."""

from __future__ import annotations

import json
import logging

from litestar import Litestar
from litestar.testing import TestClient

from hub.observability import JsonFormatter, RequestIdFilter, request_id_var


def test_health_and_ready_answer(client: TestClient[Litestar]) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200
    body = ready.json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["search_outbox"]["failing"] == 0


def test_each_response_carries_a_request_id_and_hostile_ids_are_replaced(client: TestClient[Litestar]) -> None:
    generated = client.get("/annuaire").headers["x-request-id"]
    assert len(generated) == 32
    kept = client.get("/health", headers={"x-request-id": "abc12345-proxy"}).headers["x-request-id"]
    assert kept == "abc12345-proxy"
    replaced = client.get("/health", headers={"x-request-id": "x\r\nSet-Cookie: a=b"}).headers["x-request-id"]
    assert replaced != "x\r\nSet-Cookie: a=b"
    assert "\n" not in replaced


def test_metrics_count_requests_by_route_and_status(client: TestClient[Litestar]) -> None:
    client.get("/annuaire")
    client.get("/annuaire/n-existe-pas")
    text = client.get("/metrics").text
    assert 'hub_http_requests_total{method="GET",route="/annuaire",status="200"} 1' in text
    assert 'route="/annuaire/{slug}",status="404"' in text
    assert "hub_search_outbox_pending 0" in text
    assert 'hub_http_request_seconds_bucket{method="GET",route="/annuaire",le="+Inf"} 1' in text


def test_json_logs_carry_the_request_id() -> None:
    token = request_id_var.set("req-42424242")
    try:
        record = logging.LogRecord("hub.test", logging.WARNING, __file__, 1, "Bonjour %s", ("Élise",), None)
        RequestIdFilter().filter(record)
        payload = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert payload["request_id"] == "req-42424242"
    assert payload["message"] == "Bonjour Élise"
    assert payload["level"] == "WARNING"


def test_requests_in_progress_count_until_their_answer_starts(app: Litestar, client: TestClient[Litestar]) -> None:
    # background work (partner suggestions prepared ahead) waits while this counter is above zero
    assert "hub_http_requests_in_progress 1" in client.get("/metrics").text, "the metrics request itself"
    client.get("/annuaire/n-existe-pas")
    assert app.state.metrics.in_flight == 0
    assert not app.state.metrics.is_busy(quiet_seconds=0)
    assert app.state.metrics.is_busy(quiet_seconds=3600), "a request just went: not idle yet"
