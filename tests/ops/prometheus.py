"""Read a /metrics answer with prometheus-client's own parser of the text format."""

import httpx
from prometheus_client.parser import text_string_to_metric_families


def scrape(base_url: str, **request) -> dict[tuple[str, frozenset], float]:
    """Every sample as (name, labels) → value."""
    response = httpx.get(f"{base_url}/metrics", **request)
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict[tuple[str, frozenset], float], name: str, **labels: str) -> float:
    """One sample's value; 0 for a labelled series that has not been created yet."""
    return samples.get((name, frozenset(labels.items())), 0.0)
