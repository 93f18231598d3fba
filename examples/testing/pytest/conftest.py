# pytest fixtures for a suite that runs against slab5d (docs/testing.md).
#
# Run it under `slab5d exec`, which starts a throwaway server, seeds it, saves the seeded state
# as the snapshot "seed" and exports SLAB5_API_BASE_URL:
#
#   slab5d exec --seed examples/fixtures/acme.json -- python3 -m pytest -q examples/testing/pytest
import json
import os
import urllib.error
import urllib.request

import pytest

BASE = os.environ["SLAB5_API_BASE_URL"]  # http://127.0.0.1:PORT/v1
# Hard-coded in examples/fixtures/acme.json: the same on every run.
CI_KEY = "slab5_sk_ExampleFixtureKeyForCiOnly0000011eJ6Qg"
READONLY_KEY = "slab5_sk_ExampleFixtureKeyReadonly0000002133Eqk"


def call(method, path, body=None, token=None):
    """One request; returns (status, parsed JSON body or None)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, json.loads(raw) if raw else None


@pytest.fixture(autouse=True)
def seeded_state():
    """Every test starts from the seeded state, on the real clock."""
    status, _ = call("POST", "/dev/snapshots/seed/restore", {})
    assert status == 200
    status, _ = call("DELETE", "/dev/clock")
    assert status == 200
    yield


@pytest.fixture
def api():
    """call() with the fixture's full-access key."""
    return lambda method, path, body=None: call(method, path, body, CI_KEY)


@pytest.fixture
def clock():
    """Moves the server clock: clock("7d"), clock(set="2031-01-01T00:00:00Z")."""

    def move(advance=None, set=None, freeze=None):
        body = {k: v for k, v in {"advance": advance, "set": set, "freeze": freeze}.items() if v is not None}
        status, out = call("POST", "/dev/clock", body)
        assert status == 200, out
        return out["data"]

    return move
