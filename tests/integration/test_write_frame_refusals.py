"""An idempotent write's transaction and Idempotency-Key claim go out with the
API key's look-up, before the key is checked (src/http/write.h,
write_prepare).  A write refused by its key, its scope or its body must
leave nothing of that behind: the refusal is audited on its own, the key
holds no claim and no stored answer, and the next request with the same
Idempotency-Key is a first write (201, not a 409 or a replay).
"""
from __future__ import annotations

import secrets
import uuid

import pytest

from harness import make_key, report_body

LIST = "/v1/hate-crime/reports"


@pytest.fixture(scope="module")
def submit_key():
    return make_key("reporting-centre-north", "submit:hate-crime,read:hate-crime")


@pytest.fixture(scope="module")
def read_key():
    return make_key("reporting-centre-north", "read:hate-crime")


def body() -> dict:
    return report_body("frame-")


def post(api, key: str, idem: str, json_body: dict):
    request_id = "frame-" + secrets.token_hex(8)
    r = api.post(LIST, json=json_body, headers={
        "Authorization": "Bearer " + key, "Idempotency-Key": idem, "X-Request-Id": request_id})
    return r, request_id


def audited(pg, request_id: str) -> str:
    return pg.psql("SELECT outcome || ' ' || status FROM audit_events WHERE client_request_id = '%s'"
                   % request_id)


def first_write_succeeds(api, openapi, key: str, idem: str):
    r, _ = post(api, key, idem, body())
    openapi.validate(r, LIST, "post")
    assert r.status_code == 201, r.text
    assert "Idempotent-Replayed" not in r.headers


def wrong_secret(key: str) -> str:
    # The same prefix (a real key's), another secret of the same form.
    last = key[-1]
    return key[:-1] + ("0" if last != "0" else "1")


def test_wrong_secret_refused_audited_and_leaves_the_key_free(api, openapi, pg, submit_key):
    idem = "frame-" + uuid.uuid4().hex
    r, request_id = post(api, wrong_secret(submit_key), idem, body())
    assert r.status_code == 401
    assert audited(pg, request_id) == "refused 401"
    first_write_succeeds(api, openapi, submit_key, idem)


def test_missing_scope_refused_audited_and_leaves_the_key_free(api, openapi, pg, read_key, submit_key):
    idem = "frame-" + uuid.uuid4().hex
    r, request_id = post(api, read_key, idem, body())
    assert r.status_code == 403
    assert audited(pg, request_id) == "refused 403"
    first_write_succeeds(api, openapi, submit_key, idem)


def test_bad_body_refused_audited_and_leaves_the_key_free(api, openapi, pg, submit_key):
    idem = "frame-" + uuid.uuid4().hex
    bad = body()
    del bad["channel"]
    r, request_id = post(api, submit_key, idem, bad)
    assert r.status_code in (400, 422)
    assert audited(pg, request_id) == "refused %d" % r.status_code
    # The same key, now with a whole body: a first write, not a 422 for
    # reuse nor a replay of the refusal.
    first_write_succeeds(api, openapi, submit_key, idem)


def test_replay_after_the_first_write_still_travels_with_the_look_up(api, openapi, pg, submit_key):
    idem = "frame-" + uuid.uuid4().hex
    b = body()
    first, _ = post(api, submit_key, idem, b)
    assert first.status_code == 201
    again, request_id = post(api, submit_key, idem, b)
    openapi.validate(again, LIST, "post")
    assert again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.content == first.content
    # A replay writes nothing, and is not audited as a write.
    assert audited(pg, request_id) == ""
