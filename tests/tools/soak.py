"""A bounded soak: mixed load on a running Jogette for a fixed time, with its
resident memory sampled all the while. 80% reads (thread pages and lists),
15% replies, 5% searches, from WORKERS members at once, on 127.0.0.1 only.

    python soak.py BASE_URL SERVER_PID SECONDS [WORKERS]

It passes when no request fails and, after a warm-up of the first fifth of
the time, resident memory grows by at most 10%. It prints one line of
figures for docs/RELIABILITY.md.
"""

import http.client
import json
import random
import sys
import threading
import time
from urllib.parse import urlparse

SEARCHES = ["knee", "shin splints", "upper back", "tight calves", "stitch", "shoes", "breathing", "parkrun"]
PASSWORD = "a long enough password"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Client:
    def __init__(self, host, port):
        self.conn = http.client.HTTPConnection(host, port, timeout=30)
        self.token = None

    def request(self, method, path, body=None):
        headers = {"accept": "application/json"}
        if body is not None:
            headers["content-type"] = "application/json"
            body = json.dumps(body)
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        try:
            self.conn.request(method, path, body, headers)
            response = self.conn.getresponse()
            data = response.read()
            return response.status, data
        except (http.client.HTTPException, OSError):
            self.conn.close()
            return 0, b""


def main():
    base, pid, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    workers = int(sys.argv[4]) if len(sys.argv) > 4 else 8
    url = urlparse(base)
    setup = Client(url.hostname, url.port)
    status, data = setup.request("GET", "/api/v1/threads?per_page=50")
    threads = [t["id"] for t in json.loads(data)["threads"]]
    counts = {"read": 0, "reply": 0, "search": 0}
    failures = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def work(n):
        client = Client(url.hostname, url.port)
        # Letters only: a run of digits in a post reads as a phone number.
        name = "soak_" + "".join(random.choice("abcdefghkmnpqrstuvwxyz") for _ in range(10))
        client.request("POST", "/api/v1/users", {"username": name, "password": PASSWORD})
        status, data = client.request("POST", "/api/v1/sessions", {"username": name, "password": PASSWORD})
        client.token = json.loads(data)["token"] if status == 201 else None
        rng = random.Random(n)
        while time.monotonic() < deadline:
            roll = rng.random()
            thread = rng.choice(threads)
            if roll < 0.80:
                kind = "read"
                path = rng.choice([f"/api/v1/threads/{thread}", "/api/v1/threads", "/api/v1/threads?category=injuries", f"/api/v1/threads/{thread}?page=1"])
                status, _ = client.request("GET", path)
                ok = status == 200
            elif roll < 0.95:
                kind = "reply"
                status, data = client.request("POST", f"/api/v1/threads/{thread}/posts", {"body": f"Soak reply from {name}: keep going, slow and steady."})
                ok = status == 201
            else:
                kind = "search"
                status, _ = client.request("GET", "/api/v1/search?q=" + rng.choice(SEARCHES).replace(" ", "+"))
                ok = status == 200
            with lock:
                counts[kind] += 1
                if not ok:
                    failures.append((kind, status, data[:300] if kind == "reply" else b""))

    threads_running = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(workers)]
    for t in threads_running:
        t.start()
    samples = []
    started = time.monotonic()
    while time.monotonic() < deadline:
        samples.append((time.monotonic() - started, rss_kib(pid)))
        time.sleep(min(2.0, max(0.1, seconds / 60)))
    for t in threads_running:
        t.join()
    samples.append((time.monotonic() - started, rss_kib(pid)))
    warm = [kib for at, kib in samples if at >= seconds / 5]
    after_warmup, end, peak = warm[0], samples[-1][1], max(kib for _, kib in samples)
    growth = (end - after_warmup) / after_warmup * 100
    total = sum(counts.values())
    print(
        f"soak: {seconds:.0f} s, {workers} workers, {total} requests ({total / seconds:.0f}/s: "
        f"{counts['read']} reads, {counts['reply']} replies, {counts['search']} searches), {len(failures)} failed; "
        f"resident {after_warmup / 1024:.1f} MB after warm-up, {end / 1024:.1f} MB at the end ({growth:+.1f}%), peak {peak / 1024:.1f} MB"
    )
    # The curve, a tenth of the run at a time: does memory level off?
    tenths = [max((kib for at, kib in samples if seconds * (n - 1) / 10 <= at < seconds * n / 10), default=0) for n in range(1, 11)]
    print("resident by tenths of the run (MB): " + " ".join(f"{kib / 1024:.1f}" for kib in tenths))
    if failures:
        print(f"FAILED: {len(failures)} requests failed, e.g. {failures[:5]}")
        sys.exit(1)
    if growth > 10:
        print(f"FAILED: resident memory grew {growth:.1f}% after warm-up (at most 10%)")
        sys.exit(1)


if __name__ == "__main__":
    main()
