#!/usr/bin/env python3
"""Webhook delivery figures for docs/performance.md (issue 13).

    tests/bench/webhooks.py [SLAB5D_BIN] [--events N]

Starts slab5d on 127.0.0.1:0 with a throwaway database and a receiver in this process on
loopback that answers 200 at once, registers one endpoint for every event, then measures:

  latency    events written one at a time with the worker idle (25 ms apart): the time from
             the event's created_at (stamped inside the write's transaction, before its commit,
             so the figure is an upper bound) to the delivery's arrival; p50 and p99
  throughput N events written by 8 concurrent clients as fast as slab5d takes them: deliveries
             arrived per second, from the first arrival to the last
  backlog    N events queued while the receiver holds its first request, then delivered to the
             one endpoint (one at a time, in order) as fast as it answers
"""
import calendar, http.client, http.server, json, os, re, socketserver, subprocess, sys, tempfile, threading, time
from datetime import datetime

binary = next((a for a in sys.argv[1:] if not a.startswith("--")), "build/dev/slab5d")
n_events = int(sys.argv[sys.argv.index("--events") + 1]) if "--events" in sys.argv else 2000

arrivals = []  # (arrival time, event created_at)
lock = threading.Lock()
gate = threading.Event()  # the receiver answers only while set
gate.set()


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        now = time.time()
        event = json.loads(body)
        dt = datetime.strptime(event["created_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
        created = calendar.timegm(dt.timetuple()) + dt.microsecond / 1e6
        gate.wait()
        with lock:
            arrivals.append((time.time(), created))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


rx = Server(("127.0.0.1", 0), Receiver)
threading.Thread(target=rx.serve_forever, daemon=True).start()

tmp = tempfile.mkdtemp(prefix="slab5-bench-")
proc = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0", "--db", tmp + "/b.db", "--rate-limit", "off",
                         "--password-cost", "test"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
base = token = None
for line in proc.stdout:
    m = re.search(r"export SLAB5_API_BASE_URL=(\S+)", line)
    if m:
        base = m.group(1)
    m = re.search(r"export SLAB5_WORKSPACE_TOKEN=(\S+)", line)
    if m:
        token = m.group(1)
    if base and token:
        break
host, port = re.match(r"http://([^:/]+):(\d+)", base).groups()


def client():
    return http.client.HTTPConnection(host, int(port))


def post(c, path, body):
    c.request("POST", "/v1" + path, json.dumps(body), {"Authorization": "Bearer " + token,
                                                       "Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    if r.status // 100 != 2:
        raise SystemExit(f"{path}: {r.status} {data[:200]}")
    return json.loads(data)


c = client()
hook = post(c, "/webhooks", {"name": "bench", "url": f"http://127.0.0.1:{rx.server_address[1]}/hook",
                             "event_types": ["*"]})["data"]["id"]


def wait_for(count, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        with lock:
            if len(arrivals) >= count:
                return
        time.sleep(0.01)
    raise SystemExit(f"only {len(arrivals)} of {count} deliveries arrived")


# latency, worker idle
for i in range(200):
    post(c, "/contacts", {"name": f"latency {i}"})
    time.sleep(0.025)
wait_for(200)
with lock:
    lat = sorted((a - cr) * 1000 for a, cr in arrivals)
    arrivals.clear()
p50, p99 = lat[len(lat) // 2], lat[int(len(lat) * 0.99) - 1]

# throughput
per = n_events // 8


def writer(k):
    cc = client()
    for i in range(per):
        post(cc, "/contacts", {"name": f"t{k}-{i}"})


start = time.time()
threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
writes_done = time.time()
wait_for(per * 8)
with lock:
    first, last = min(a for a, _ in arrivals), max(a for a, _ in arrivals)
rate = (per * 8) / (last - first) if last > first else float("inf")
# backlog: N events queued while the receiver holds its first request, then delivered as
# fast as one endpoint takes them (one at a time, in order)
with lock:
    arrivals.clear()
gate.clear()
threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
released = time.time()
gate.set()
wait_for(per * 8)
with lock:
    blast = max(a for a, _ in arrivals)
backlog_rate = (per * 8) / (blast - released)
print(f"latency (commit -> arrival, worker idle, 200 events): p50 {p50:.1f} ms, p99 {p99:.1f} ms")
print(f"backlog of {per * 8} events to one endpoint, delivered at {backlog_rate:.0f}/s once the receiver answers")
print(f"throughput: {per * 8} events written in {writes_done - start:.2f} s "
      f"({per * 8 / (writes_done - start):.0f}/s), delivered at {rate:.0f}/s")
proc.terminate()
proc.wait()
