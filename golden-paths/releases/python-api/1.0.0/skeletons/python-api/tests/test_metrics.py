from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families


def sample(text: str, name: str, **labels: str) -> float:
    """The value of the sample `name{labels}` in a Prometheus text exposition."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and s.labels == labels:
                return s.value
    raise AssertionError(f"no sample {name}{labels} in:\n{text}")


def test_metrics_follow_the_platform_contract(client: TestClient) -> None:
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert client.get("/v1/items/424242").status_code == 404
    assert client.get("/nowhere").status_code == 404

    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    text = response.text
    assert sample(text, "http_requests_total", method="GET", route="/healthz", code="200") == 3
    # Routes are labelled by template, never by raw path, and unknown paths share one label.
    assert sample(text, "http_requests_total", method="GET", route="/v1/items/{item_id}", code="404") == 1
    assert sample(text, "http_requests_total", method="GET", route="unmatched", code="404") == 1
    assert sample(text, "http_request_duration_seconds_count", method="GET", route="/healthz") == 3
    assert "# TYPE http_requests_in_flight gauge" in text
    assert "process_resident_memory_bytes" in text
