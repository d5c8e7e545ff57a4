"""Small assertions shared by the integration tests (not a test module).

Every helper here checks real responses; none of them talks to the service
by itself except ``collect_pages``, which follows ``links.next``.
"""

from __future__ import annotations

import json
from typing import Any, Optional

PROBLEM_MEDIA = "application/problem+json"


def media_type(resp) -> str:
    return (resp.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()


def problem_schema(openapi) -> dict:
    """The Problem schema of api/openapi.yaml (components/schemas/Problem)."""
    schemas = openapi.doc.get("components", {}).get("schemas", {})
    assert "Problem" in schemas, (
        "api/openapi.yaml has no components/schemas/Problem "
        f"(schemas: {sorted(schemas)})")
    return schemas["Problem"]


def assert_problem(resp, status: int, openapi=None, path_template: Optional[str] = None,
                   method: str = "get", parameter: Optional[str] = None) -> dict:
    """``resp`` is an RFC 9457 problem with ``status``; checked against the
    documented response when ``path_template`` is given, else against the
    Problem schema. ``parameter``: errors[0].parameter must name it.
    Returns the parsed body."""
    assert resp.status_code == status, (
        f"expected {status}, got {resp.status_code}: {resp.text[:300]}")
    assert media_type(resp) == PROBLEM_MEDIA, resp.headers.get("Content-Type")
    body = json.loads(resp.content.decode("utf-8"))
    if openapi is not None:
        if path_template is not None:
            openapi.validate(resp, path_template, method)
        else:
            openapi.validate_body(body, problem_schema(openapi), f"problem {status}")
    assert body["status"] == status, body
    for key in ("type", "title", "detail"):
        assert isinstance(body.get(key), str) and body[key], (key, body)
    # Errors never come with internals.
    text = resp.text.lower()
    for leak in ("sqlstate", "syntax error", "libpq", "/work/", ".c:"):
        assert leak not in text, f"problem body leaks {leak!r}: {resp.text}"
    cc = resp.headers.get("Cache-Control", "")
    assert "no-store" in cc, f"error response must not be cached: Cache-Control {cc!r}"
    if parameter is not None:
        errors = body.get("errors")
        assert isinstance(errors, list) and errors, f"no errors array: {body}"
        assert errors[0].get("parameter") == parameter, (
            f"errors[0].parameter should be {parameter!r}: {body}")
    return body


def collect_pages(client, first_url: str, openapi=None, path_template: Optional[str] = None,
                  max_pages: int = 200, params: Optional[dict] = None) -> tuple[list, list]:
    """Follow links.next from ``first_url``; (all data rows, every page body)."""
    rows: list[Any] = []
    pages: list[dict] = []
    url: Optional[str] = first_url
    seen_urls = set()
    while url:
        assert url not in seen_urls, f"links.next loops back to {url}"
        seen_urls.add(url)
        assert len(pages) < max_pages, f"more than {max_pages} pages from {first_url}"
        r = client.get(url, params=params if not pages else None)
        assert r.status_code == 200, f"{url}: {r.status_code} {r.text[:300]}"
        body = openapi.validate(r, path_template) if openapi is not None else r.json()
        pages.append(body)
        rows.extend(body["data"])
        url = body["links"]["next"]
    return rows, pages

def pinned_by_bounds(table, relations):
    """Suppressed cells pinned to one value by interval reasoning: every
    withheld count is at least 1 (zero is published as zero); propagate
    bounds through the relations. Sound: a pinned cell is truly disclosed."""
    big = 10 ** 12
    lo, hi = {}, {}
    for k, o in table.items():
        if o["suppressed"]:
            lo[k], hi[k] = 1, big
        else:
            lo[k] = hi[k] = o["value"]
    for _ in range(100):
        changed = False
        for tot, parts in relations:
            slo, shi = sum(lo[p] for p in parts), sum(hi[p] for p in parts)
            nlo, nhi = max(lo[tot], slo), min(hi[tot], shi)
            if (nlo, nhi) != (lo[tot], hi[tot]):
                lo[tot], hi[tot], changed = nlo, nhi, True
            for p in parts:
                a = max(lo[p], lo[tot] - (shi - hi[p]))
                b = min(hi[p], hi[tot] - (slo - lo[p]))
                if (a, b) != (lo[p], hi[p]):
                    lo[p], hi[p], changed = a, b, True
                    slo, shi = sum(lo[q] for q in parts), sum(hi[q] for q in parts)
        if not changed:
            break
    for k in lo:
        assert lo[k] <= hi[k], f"published figures are inconsistent around {k}"
    return [(k, lo[k]) for k, o in table.items() if o["suppressed"] and lo[k] == hi[k]]
