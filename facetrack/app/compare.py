"""The before / after page: two captures aligned side by side and flicking between them, with
each metric's change against its noise."""

from __future__ import annotations

import base64
import io
import re

from facetrack.app import pages
from facetrack.app.common import current_profile, data_dir, render
from facetrack.errors import FacetrackError


def compare(request):
    from facetrack.report.pictures import (align_photo, before_after_figure, flicker_frames, gif_bytes,
                                           photo_silhouettes)
    from facetrack.stats.compare import choose_pair, compare_captures
    from facetrack.stats.repeatability import Calibration
    from facetrack.store import Store

    name = current_profile(request)
    pick = {k: int(v) for k in ("a", "b") if re.fullmatch(r"[0-9]{1,18}", v := request.query_params.get(k, ""))}
    try:
        with Store.open(data_dir(request), read_only_ok=True) as store:
            captures = store.captures(name)
            baseline = store.baseline(name) if len(captures) >= 2 else None
            before, after = choose_pair(captures, baseline, name, pick.get("a"), pick.get("b"))
            views = {c.id: store.landmark_views(c.id) for c in (before, after)}
            calibration = Calibration(*store.repeatability(name))
    except FacetrackError as exc:
        return render(request, "Before / after", "<h1>Before / after</h1>", message=str(exc), error=True)
    topology = request.app.state.models.topology()
    aligned = [align_photo(c, views[c.id], topology) for c in (before, after)]
    changes = compare_captures(before, after, mdc=calibration.mdc)
    png = io.BytesIO()
    before_after_figure(*aligned, topology, changes, photo_silhouettes(*aligned, topology)).savefig(png, format="png")
    return render(request, "Before / after", pages.COMPARE, captures=captures, before=before, after=after,
                  changes=changes, pair=base64.b64encode(png.getvalue()).decode(),
                  flicker=base64.b64encode(gif_bytes(flicker_frames(*aligned))).decode())
