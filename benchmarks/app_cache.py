"""The app's cached pictures on a ~200-photo profile (issue 32): memory per edit, CPU per
picture, and identical requests at once.

A profile of ``--photos`` captures is made from the demo's (each photo re-encoded with its
corner changed, so each is a photo of its own, with the demo capture's landmarks and
values: no model runs). The app is then driven in this process through the test client:

- cold: the time-lapse GIF, the MP4 download and one before / after pair's pictures (CPU s);
- per edit (a date correction, then the same pictures again): CPU s and the process's
  resident memory (MB) after each edit, ``--edits`` times;
- ``--at-once`` identical time-lapse requests at once, after an edit: CPU s and memory.

    .venv/bin/python benchmarks/app_cache.py                   # prints the figures
    .venv/bin/python benchmarks/app_cache.py --photos 50 --edits 3

Run it on another checkout (``PYTHONPATH=<checkout>``) to compare; it uses only the app's
routes, so it runs on the code before the cache too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import shutil
import tempfile
import threading
import time
from pathlib import Path

import numpy as np


def rss_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def build_profile(root: Path, n: int) -> None:
    """A store with ``n`` captures made from the demo's, a few days apart."""
    from click.testing import CliRunner
    from PIL import Image

    from facetrack.cli import main
    from facetrack.records import NewCapture
    from facetrack.store import Store

    demo = root.parent / "demo"
    result = CliRunner().invoke(main, ["demo", "--data-dir", str(demo)])
    assert result.exit_code == 0, result.output
    with Store.open(demo, read_only_ok=True) as store:
        sources = [(c, store.landmark_views(c.id)) for c in store.captures("demo")]
    start = dt.datetime(2022, 1, 3, 9)
    with Store.open(root) as store:
        for i in range(n):
            capture, views = sources[i % len(sources)]
            with Image.open(capture.image_path) as img:
                pixels = np.array(img.convert("RGB"))
            pixels[:16, :16] = (i % 256, (i // 256) % 256, 7)  # a photo of its own (its own hash)
            out = io.BytesIO()
            Image.fromarray(pixels).save(out, "JPEG", quality=92)
            data = out.getvalue()
            import hashlib

            store.add_capture("big", NewCapture(
                taken_at=start + dt.timedelta(days=4 * i), taken_at_source="given", source_path=f"photo-{i}.jpg",
                image_bytes=data, image_ext="jpg", sha256=hashlib.sha256(data).hexdigest(), width=capture.width,
                height=capture.height, pose=capture.pose, quality=capture.quality, views=tuple(views),
                metrics=capture.metrics))


def cpu(fn) -> float:
    """CPU seconds of this process (every thread) while ``fn`` runs."""
    before = time.process_time()
    fn()
    return time.process_time() - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--edits", type=int, default=9)
    parser.add_argument("--at-once", type=int, default=12)
    args = parser.parse_args()

    from starlette.testclient import TestClient

    from facetrack.app.server import create_app
    from facetrack.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "store"
        build_profile(root, args.photos)
        with Store.open(root, read_only_ok=True) as store:
            ids = [c.id for c in store.captures("big")]
        origin = "http://127.0.0.1:8765"
        app = create_app(root, profile="big", port=8765, token="t")
        client = TestClient(app, base_url=origin)
        headers = {"origin": origin}
        with client:
            client.get("/photos?token=t")
            first, last = ids[0], ids[-1]
            pair = [f"/compare/aligned/{first}/{last}/before.jpg", f"/compare/aligned/{first}/{last}/after.jpg",
                    f"/compare/flicker/{first}/{last}.gif", f"/compare/pair/{first}/{last}.png"]

            def get(path):
                answer = client.get(path)
                assert answer.status_code == 200, (path, answer.status_code, answer.text[:200])

            print(f"profile: {len(ids)} photos; memory at start {rss_mb():.0f} MB")
            client.get("/compare")  # the models and page code loaded
            base = rss_mb()
            print(f"cold: time-lapse GIF {cpu(lambda: get('/timelapse.gif')):.1f} s CPU, "
                  f"MP4 {cpu(lambda: get('/download/timelapse.mp4')):.1f} s, "
                  f"before / after's 4 pictures {cpu(lambda: [get(p) for p in pair]):.1f} s; "
                  f"memory {base:.0f} -> {rss_mb():.0f} MB")
            rows = []
            for k in range(args.edits):
                def edit_and_look():
                    day = (dt.date(2021, 1, 1) + dt.timedelta(days=k)).isoformat()
                    assert client.post(f"/date/{ids[k + 1]}", data={"date": day}, headers=headers).status_code == 200
                    get("/timelapse.gif")
                    get("/download/timelapse.mp4")
                    for p in pair:
                        get(p)

                seconds = cpu(edit_and_look)
                rows.append((seconds, rss_mb()))
                print(f"edit {k + 1}: {seconds:.1f} s CPU (a date, then the time-lapse, the MP4 and before / after); "
                      f"memory {rows[-1][1]:.0f} MB")
            assert client.post(f"/date/{ids[-2]}", data={"date": "2020-06-01"}, headers=headers).status_code == 200
            answers = []

            def at_once():
                threads = [threading.Thread(target=lambda: answers.append(client.get("/timelapse.gif").status_code))
                           for _ in range(args.at_once)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()

            before = rss_mb()
            seconds = cpu(at_once)
            print(f"{args.at_once} identical time-lapse requests at once (after an edit): {seconds:.1f} s CPU, "
                  f"memory {before:.0f} -> {rss_mb():.0f} MB, answers {sorted(set(answers))}")
            kept = getattr(app.state, "pictures", None)
            if hasattr(kept, "bytes"):
                print(f"pictures kept: {kept.bytes / 2 ** 20:.1f} MB in {len(kept)} entries "
                      f"(budget {kept.budget / 2 ** 20:.0f} MB)")
        app.close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
