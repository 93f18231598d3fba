# An example suite against the seeded Acme workspace (examples/fixtures/acme.json).
from conftest import READONLY_KEY, call

CONTACT = "con_01fxt000000000000000000002"


def test_a_seeded_record_is_there_on_the_first_request(api):
    status, body = api("GET", "/contacts/" + CONTACT)
    assert status == 200
    assert body["data"]["name"] == "Bill Lumbergh"


def test_a_test_may_change_anything(api):
    status, _ = api("POST", "/contacts", {"name": "Temporary Person"})
    assert status == 201
    status, _ = api("DELETE", "/contacts/" + CONTACT)
    assert status == 204


def test_the_next_test_starts_from_the_seed_again(api):
    status, body = api("GET", "/contacts")
    assert status == 200
    assert sorted(c["name"] for c in body["data"]) == ["Bill Lumbergh", "Hank Scorpio"]


def test_the_read_only_key_cannot_write():
    status, body = call("POST", "/contacts", {"name": "Nope"}, READONLY_KEY)
    assert status == 403
    assert body["error"]["code"] == "missing_required_scope"


def test_a_key_expires_after_ninety_days_without_waiting(api, clock):
    clock(set="2031-01-01T00:00:00Z", freeze=True)
    status, body = api(
        "POST", "/workspace/api-keys", {"name": "short", "scopes": ["crm:read"], "expires_at": "2031-04-01T00:00:00Z"}
    )
    assert status == 201, body
    key = body["data"]["secret"]
    assert call("GET", "/contacts", token=key)[0] == 200
    clock(advance="89d")
    assert call("GET", "/contacts", token=key)[0] == 200
    clock(advance="1d")  # 2031-04-01: expired
    status, body = call("GET", "/contacts", token=key)
    assert status == 401
    assert "expired" in body["error"]["message"]
