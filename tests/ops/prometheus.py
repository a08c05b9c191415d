"""Read a /metrics answer with prometheus-client's own parser of the text format."""

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.waiting import wait_until

FINISHED = "taskstream_runs_finished_total"


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


def scrape_after_runs(base_url: str, before: dict, *, runs: int, status: str, **request) -> dict:
    """Scrape once `runs` more runs have finished with `status` than in `before`: a run's end
    is recorded just after its terminal event went out, so a client that saw it may scrape
    too early."""

    def finished() -> dict | None:
        samples = scrape(base_url, **request)
        moved = value(samples, FINISHED, status=status) - value(before, FINISHED, status=status)
        return samples if moved >= runs else None

    return wait_until(finished, message=f"{runs} run(s) did not finish {status}")


def scrape_idle(base_url: str, **request) -> dict:
    """Scrape once no run is executing (on any worker sharing the metrics directory), so the
    runs that ended before are fully counted."""

    def idle() -> dict | None:
        samples = scrape(base_url, **request)
        return samples if value(samples, "taskstream_runs_active") == 0 else None

    return wait_until(idle, message="runs stayed active")
