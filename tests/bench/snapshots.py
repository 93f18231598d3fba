#!/usr/bin/env python3
"""Snapshot restores of a test-sized database (api.md §9.1; docs/performance.md).

Starts a throwaway slab5d seeded with RECORDS contacts (one fixture, so each also has its
audit row and event, as an API create would), then N times: creates one more contact and
restores the snapshot "seed" that `--seed` saved, timing the restore request alone (one
keep-alive connection). Checks that every restore brought back exactly the seeded records.

Usage: tests/bench/snapshots.py SLAB5D_BIN [--records 10000] [--restores 1000]
"""
import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
KEY = "slab5_sk_ExampleFixtureKeyForCiOnly0000011eJ6Qg"


def ident(prefix, n):
    body = ""
    for _ in range(20):
        body = CROCKFORD[n % 32] + body
        n //= 32
    return prefix + "_01bnch" + body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("slab5d")
    ap.add_argument("--records", type=int, default=10000)
    ap.add_argument("--restores", type=int, default=1000)
    a = ap.parse_args()

    ws = ident("wrk", 1)
    fixture = {
        "users": [{"id": ident("usr", 1), "email": "bench@example.com", "password": "bench-password"}],
        "workspaces": [{"id": ws, "name": "Bench"}],
        "memberships": [{"workspace_id": ws, "user_id": ident("usr", 1), "role": "owner"}],
        "api_keys": [{"workspace_id": ws, "name": "bench", "scopes": ["crm:read", "crm:write"], "secret": KEY}],
        "contacts": [
            {"workspace_id": ws, "name": f"Contact {i}", "email": f"c{i}@example.com", "title": "Engineer",
             "notes": "Met at the conference; follow up about the renewal in spring."}
            for i in range(a.records)
        ],
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "fixture.json")
        with open(path, "w") as f:
            json.dump(fixture, f)
        t0 = time.monotonic()
        srv = subprocess.Popen(
            [a.slab5d, "serve", "--db", os.path.join(tmp, "bench.db"), "--listen", "127.0.0.1:0",
             "--password-cost", "test", "--rate-limit", "off", "--log-level", "warn", "--seed", path],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            line = srv.stdout.readline()
            if "listening on" not in line:
                sys.exit("slab5d did not start: " + line)
            seeded_s = time.monotonic() - t0
            port = int(line.split("http://127.0.0.1:")[1].split()[0])
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

            def call(method, url, body=None, token=None):
                headers = {"Content-Type": "application/json"}
                if token:
                    headers["Authorization"] = "Bearer " + token
                conn.request(method, url, body=None if body is None else json.dumps(body), headers=headers)
                r = conn.getresponse()
                data = r.read()
                return r.status, (json.loads(data) if data else None)

            st, snap = call("GET", "/v1/dev/snapshots/seed")
            assert st == 200, snap
            times = []
            for i in range(a.restores):
                st, _ = call("POST", "/v1/contacts", {"name": f"Extra {i}"}, KEY)
                assert st == 201
                t = time.monotonic()
                st, body = call("POST", "/v1/dev/snapshots/seed/restore", {})
                times.append(time.monotonic() - t)
                assert st == 200, body
            st, page = call("GET", "/v1/contacts?limit=1&query=Extra", token=KEY)
            assert st == 200 and page["data"] == [], page
            total = sum(times)
            times.sort()
            print(f"database: {a.records} contacts (+ their audit rows and events), "
                  f"snapshot {snap['data']['size_bytes'] / 1e6:.1f} MB; seeded and serving in {seeded_s:.1f} s")
            print(f"{a.restores} restores: {total:.2f} s in all; per restore mean {statistics.mean(times) * 1e3:.2f} ms, "
                  f"median {times[len(times) // 2] * 1e3:.2f} ms, p99 {times[int(len(times) * 0.99) - 1] * 1e3:.2f} ms, "
                  f"max {times[-1] * 1e3:.2f} ms")
        finally:
            srv.terminate()
            srv.wait(timeout=30)


if __name__ == "__main__":
    main()
