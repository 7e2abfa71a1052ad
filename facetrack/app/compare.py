"""The before / after page: two captures aligned, a slider to reveal one over the other, the
two flicking, side by side with both outlines, each measure's change against its noise, and
the time-lapse of every photo.

The page itself is made from the store alone (fast); each picture has its own URL, made
the first time it is asked for, on the app's pool for heavy work (``cache.heavy``, in
``routes``), so the page paints at once and the pictures follow. Pictures are kept in the
app's ``cache.PictureCache`` (a byte budget, one computation per key at a time) under keys
naming all they depend on: each capture's aligned photo by its photo and landmarks (not its
date, so correcting a date redraws no photo), a picture also by the dates it shows, the
time-lapse by every capture of the profile.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
from collections.abc import Sequence

import numpy as np
from starlette.responses import Response

from facetrack.app import pages
from facetrack.app.common import no_such_capture, plain, render, shown_dir, shown_profile
from facetrack.app.trends import measure_cells, technical, verdict_class
from facetrack.errors import FacetrackError

TIMELAPSE_WIDTH = 320  # the in-app time-lapse's width (px)
ALIGNED_JPEG_QUALITY = 90  # an aligned photo kept for the time-lapse, compressed
_LOCK = threading.Lock()


def _cache(request):
    """The app's ``cache.PictureCache`` (``server.create_app`` makes it; made here otherwise)."""
    from facetrack.app.cache import PictureCache

    state = request.app.state
    with _LOCK:
        if not isinstance(getattr(state, "pictures", None), PictureCache):
            state.pictures = PictureCache()
        return state.pictures


def _kept(request, key, make):
    """``make()``, kept under ``key`` within the pictures' byte budget, made once at a time."""
    return _cache(request).get(key, make)


def _views_key(views) -> str:
    """A short fingerprint of a capture's landmark views (a recompute changes them)."""
    digest = hashlib.blake2b(digest_size=8)
    for view in views:
        digest.update(np.ascontiguousarray(view.points, np.float64).tobytes())
    return digest.hexdigest()


def _photo_key(root, capture, views) -> tuple:
    """What a capture's aligned photo depends on: the store, the capture, its photo, its landmarks."""
    return str(root), capture.id, capture.sha256, _views_key(views)


def _aligned(request, root, capture, views, topology):
    """``capture`` aligned (``AlignedPhoto``), its pixels kept by ``_photo_key`` (so with the
    capture's current date)."""
    from facetrack.report.pictures import AlignedPhoto, align_photo

    def make():
        photo = align_photo(capture, views, topology)
        return photo.image, photo.points

    image, points = _kept(request, ("aligned", *_photo_key(root, capture, views)), make)
    return AlignedPhoto(capture, image, points)


def _aligned_jpeg(request, root, capture, views, topology) -> tuple[bytes, np.ndarray]:
    """(JPEG, landmarks) of ``capture`` aligned, kept compressed (a tenth of its pixels' bytes): what
    the time-lapse is made of."""
    import cv2

    def make():
        cache = _cache(request)
        kept = cache.peek(("aligned", *_photo_key(root, capture, views)))
        if kept is None:
            from facetrack.report.pictures import align_photo

            photo = align_photo(capture, views, topology)
            kept = photo.image, photo.points
        ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(kept[0], cv2.COLOR_RGB2BGR),
                                [cv2.IMWRITE_JPEG_QUALITY, ALIGNED_JPEG_QUALITY])
        return jpeg.tobytes(), kept[1]

    return _kept(request, ("aligned.jpg", *_photo_key(root, capture, views)), make)


class _AlignedSeries(Sequence):
    """Every capture of a profile aligned, in time order, each decoded when it is read (never
    all of them in memory at once)."""

    def __init__(self, request, root, captures, views, topology):
        self._args = request, root, views, topology
        self.captures = captures
        self.keys = [(_stamp(c), _views_key(views[c.id])) for c in captures]

    def __len__(self) -> int:
        return len(self.captures)

    def __getitem__(self, i):
        import cv2

        from facetrack.report.pictures import AlignedPhoto

        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        request, root, views, topology = self._args
        capture = self.captures[i]
        jpeg, points = _aligned_jpeg(request, root, capture, views[capture.id], topology)
        image = cv2.cvtColor(cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        return AlignedPhoto(capture, image, points)


def verdict_key(verdict) -> tuple:
    """What a picture drawn from a pair's verdict depends on: each measure's verdict and figure."""
    return (verdict.verdict, *((m.metric.name, m.verdict, m.smallest_real_change) for m in verdict.measures))


def _stamp(capture) -> tuple:
    return capture.id, capture.sha256, capture.taken_at.isoformat()


def compare(request):
    from facetrack.metrics.labels import format_value
    from facetrack.report.changes import pair_change
    from facetrack.report.pictures import pair_caption
    from facetrack.report.wording import failed_checks_sentence
    from facetrack.metrics.labels import MISSING
    from facetrack.report.wording import pair_sentence
    from facetrack.stats.compare import choose_pair, judge_pair
    from facetrack.stats.repeatability import Calibration
    from facetrack.stats.verdicts import NOT_MEASURED
    from facetrack.store import Store

    name = shown_profile(request)
    pick = {k: int(v) for k in ("a", "b") if re.fullmatch(r"[0-9]{1,18}", v := request.query_params.get(k, ""))}
    captures = []
    try:
        with Store.open(shown_dir(request), read_only_ok=True) as store:
            captures = store.captures(name)
            baseline = store.baseline(name) if len(captures) >= 2 else None
            before, after = choose_pair(captures, baseline, name, pick.get("a"), pick.get("b"))
            calibration = Calibration(*store.repeatability(name))
    except FacetrackError as exc:
        text = str(exc)
        if len(captures) < 2:
            text = "Before / after needs at least two photos: take or add another one first."
        return render(request, "Before / after", pages.MESSAGE, message=text, error=True)
    verdict = judge_pair(captures, before, after, calibration.results)
    rows = []
    for c in sorted(verdict.measures, key=lambda c: (not c.beyond_noise, c.verdict == NOT_MEASURED)):
        figure = pair_change(c, before, after) if c.verdict != NOT_MEASURED else None
        rows.append({**measure_cells(c.metric), "verdict": c.verdict, "verdict_class": verdict_class(c.beyond_noise),
                     "before": format_value(c.metric, c.before), "after": format_value(c.metric, c.after),
                     "change": figure.text if figure else MISSING, "noise": figure.noise_text if figure else MISSING})
    caption = pair_caption(verdict)
    failed = [s for s in (failed_checks_sentence(before), failed_checks_sentence(after)) if s]
    return render(request, "Before / after", pages.COMPARE, captures=captures, before=before, after=after,
                  rows=rows, caption=caption[0].upper() + caption[1:] + ".", failed=failed,
                  base=f"/compare/aligned/{before.id}/{after.id}",
                  verdict=verdict.verdict, verdict_sentence=pair_sentence(verdict),
                  technical=technical([(c.metric.label, c.metric.name, c.metric.units) for c in verdict.measures]))


def _pair(request):
    """(before, after) as aligned photos for the URL's ``a`` and ``b``, kept; None when the
    profile has no such captures. Sets ``request.state.photo_keys``: what each photo depends on."""
    from facetrack.store import Store

    a, b = int(request.path_params["a"]), int(request.path_params["b"])
    root, name = shown_dir(request), shown_profile(request)
    with Store.open(root, read_only_ok=True) as store:
        found = [store.capture(name, cid) for cid in (a, b)]
        if None in found or a == b:
            return None
        views = {c.id: store.landmark_views(c.id) for c in found}
    topology = request.app.state.models.topology()
    pair = tuple(_aligned(request, root, c, views[c.id], topology) for c in found)
    request.state.photo_keys = tuple(_photo_key(root, c, views[c.id]) for c in found)
    return pair


def _picture(data: bytes, media: str) -> Response:
    """A picture the browser checks again each time it shows it (``no-cache``, with its ETag): its
    address stays the same when what it shows changes (a date, a calibration)."""
    etag = hashlib.blake2b(data, digest_size=12).hexdigest()
    return Response(data, media_type=media, headers={"cache-control": "private, no-cache", "etag": f'"{etag}"'})


def aligned_picture(request):
    """One of the pair, aligned (``which``: before or after), as JPEG for the slider."""
    import cv2

    which = request.path_params["which"]
    if which not in ("before", "after"):
        return plain("no such picture", 404)
    pair = _pair(request)
    if pair is None:
        return no_such_capture()
    photo = pair[0 if which == "before" else 1]

    def encode():
        return cv2.imencode(".jpg", cv2.cvtColor(photo.image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 88])[1].tobytes()

    key = ("jpg", request.state.photo_keys[0 if which == "before" else 1])  # its pixels only, not its date
    return _picture(_kept(request, key, encode), "image/jpeg")


def flicker_picture(request):
    from facetrack.report.pictures import flicker_frames, gif_bytes

    pair = _pair(request)
    if pair is None:
        return no_such_capture()
    key = ("flicker", *request.state.photo_keys, *map(_stamp, (p.capture for p in pair)))  # the dates it shows
    return _picture(_kept(request, key, lambda: gif_bytes(flicker_frames(*pair))), "image/gif")


def pair_picture(request):
    """Side by side with both outlines and silhouettes, and the caption (PNG)."""
    from facetrack.report.pictures import before_after_figure, photo_silhouettes
    from facetrack.stats.compare import judge_pair
    from facetrack.stats.repeatability import Calibration
    from facetrack.store import Store

    pair = _pair(request)
    if pair is None:
        return no_such_capture()
    with Store.open(shown_dir(request), read_only_ok=True) as store:
        captures = store.captures(shown_profile(request))
        calibration = Calibration(*store.repeatability(shown_profile(request)))
    topology = request.app.state.models.topology()
    verdict = judge_pair(captures, pair[0].capture, pair[1].capture, calibration.results)

    def draw():
        png = io.BytesIO()
        before_after_figure(*pair, topology, verdict, photo_silhouettes(*pair, topology)).savefig(png, format="png")
        return png.getvalue()

    # the picture's caption depends on the verdict, which depends on every capture of the
    # profile (their scatter is part of the noise) and on the calibration
    key = ("pair", str(shown_dir(request)), shown_profile(request), *map(_stamp, (p.capture for p in pair)),
           verdict_key(verdict), calibration.made_at)
    return _picture(_kept(request, key, draw), "image/png")


def _aligned_all(request):
    """Every capture of the profile, aligned, in time order (``_AlignedSeries``: each kept
    compressed, decoded when read)."""
    from facetrack.store import Store

    root, name = shown_dir(request), shown_profile(request)
    with Store.open(root, read_only_ok=True) as store:
        captures = store.captures(name)
        if len(captures) < 2:
            return None
        views = {c.id: store.landmark_views(c.id) for c in captures}
    topology = request.app.state.models.topology()
    return _AlignedSeries(request, root, captures, views, topology)


def timelapse_gif(request):
    """Every photo in order, aligned, each with its date: an animated GIF that plays in the page."""
    import cv2
    from PIL import Image

    photos = _aligned_all(request)
    if photos is None:
        return plain("a time-lapse needs at least 2 photos", 404)

    def make():
        frames = []
        for i, p in enumerate(photos):  # each decoded, shrunk and dropped in turn
            h, w = p.image.shape[:2]
            small = cv2.resize(p.image, (TIMELAPSE_WIDTH, round(h * TIMELAPSE_WIDTH / w)), interpolation=cv2.INTER_AREA)
            cv2.rectangle(small, (0, small.shape[0] - 24), (small.shape[1], small.shape[0]), (0, 0, 0), -1)
            cv2.putText(small, f"{p.capture.taken_at.date().isoformat()}  ({i + 1}/{len(photos)})",
                        (6, small.shape[0] - 7), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
            # each frame's own 256 colours by octree (a fortieth of median cut's time, a byte a pixel kept)
            frames.append(Image.fromarray(small).quantize(256, method=Image.Quantize.FASTOCTREE))
        out = io.BytesIO()
        frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=500, loop=0)
        return out.getvalue()

    key = ("timelapse.gif", str(shown_dir(request)), *photos.keys)
    return _picture(_kept(request, key, make), "image/gif")


def timelapse_mp4(request):
    """The same time-lapse as ``facetrack timelapse`` makes, as a download."""
    from pathlib import Path

    from facetrack.report.pictures import write_timelapse

    photos = _aligned_all(request)
    if photos is None:  # a page with the sentence, as every download that cannot be made
        from facetrack.app.report import refused

        return refused(request, "The time-lapse needs at least two photos: take or add another one first.")
    def make():
        with request.app.state.scratch.request_folder() as tmp:  # under the data dir, removed on every path
            return write_timelapse(photos, Path(tmp) / "timelapse.mp4").read_bytes()

    data = _kept(request, ("timelapse.mp4", str(shown_dir(request)), *photos.keys), make)
    return Response(data, media_type="video/mp4",
                    headers={"content-disposition": f'attachment; filename="{shown_profile(request)}-timelapse.mp4"'})
