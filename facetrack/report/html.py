"""The self-contained HTML report: summary, trends, before/after, captures, methods.

One file: every image is embedded as a data: URI, there is no script, no font, no style
sheet or image fetched from anywhere, so it opens offline in any browser and can be kept
or shared as it is (it contains the user's face: facetrack never sends it anywhere).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from typing import Mapping, Sequence


from facetrack import __version__
from facetrack.stats.compare import compare_captures
from facetrack.errors import ReportError
from facetrack.metrics import HEADLINE
from facetrack.records import Capture, LandmarkView
from facetrack.topology import FaceTopology
from facetrack.stats.trends import silhouette_summary
from facetrack.report.pictures import align_photo, before_after_figure, flicker_frames, gif_bytes, photo_silhouettes
from facetrack.report.charts import trend_figure
from facetrack.report.summary import metric_trends, plain_summary

CAVEATS = (
    "These numbers are geometric proxies computed from face landmarks found in photos from one "
    "camera. They describe the shape of the outline and the position of features, not tissue: "
    "skin firmness, collagen, fat and muscle are not measured.",
    "A change is called beyond noise only when it is larger than the measurement's own "
    "repeatability (MDC95: the smallest change that two measurements of an unchanged face "
    "exceed less than 5 % of the time). Within noise does not mean nothing changed, only that "
    "this method cannot tell.",
    "Pose, distance, lighting, expression, hair, glasses and weight changes all move the numbers. "
    "The guided capture keeps these the same from week to week; imported photos may not.",
    "This is not a medical device and gives no diagnosis.",
)


def png_data_uri(fig, dpi: int = 90) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 3})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def gif_data_uri(data: bytes) -> str:
    return "data:image/gif;base64," + base64.b64encode(data).decode("ascii")


TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>facetrack report: {{ profile }}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
h1, h2 { font-weight: 600; } img { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 0.85em; } td, th { border-bottom: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; }
td:first-child, th:first-child { text-align: left; } .beyond { font-weight: 600; } .small { font-size: 0.85em; color: #555; }
</style></head><body>
<h1>facetrack report: {{ profile }}</h1>
<p class="small">{{ n }} captures from {{ first }} to {{ last }}; baseline: capture {{ baseline.id }} ({{ baseline.taken_at.date() }}).
Made by facetrack {{ version }} on {{ today }}, on this computer; nothing was uploaded.</p>

<h2>Summary</h2>
<p id="summary">{{ summary }}</p>
{% if beyond %}<p>Changed beyond measurement noise:</p><ul>
{% for line in beyond %}<li>{{ line }}</li>{% endfor %}</ul>
{% else %}<p>Nothing changed beyond measurement noise.</p>{% endif %}
<p class="small">{{ silhouettes }}. The silhouette metrics measure the real outline against the background; the others, the landmarks (which show only part of an outline change).</p>

<h2>Trends</h2>
<p class="small">Points: each capture (combined over its views, bar = spread). Dotted: rolling median. Dashed: linear trend per 4 weeks with its 95 % interval. Grey band: the baseline's value ± noise; a change inside it is within noise.</p>
<img alt="trend charts" src="{{ trends_png }}">

<h2>Before and after</h2>
<img alt="before and after, aligned" src="{{ compare_png }}">
<p><img alt="flicking between before and after" src="{{ flicker_gif }}"></p>
<table><tr><th>metric</th><th>units</th><th>before</th><th>after</th><th>change</th><th>noise (MDC95)</th><th>verdict</th></tr>
{% for c in changes %}<tr{% if c.beyond_noise %} class="beyond"{% endif %}><td>{{ c.metric.label }} <span class="small">{{ c.metric.name }}</span></td><td>{{ c.metric.units }}</td>
<td>{{ "%.4g"|format(c.before) }}</td><td>{{ "%.4g"|format(c.after) }}</td><td>{{ "%+.3g"|format(c.change) }}</td><td>{{ "%.3g"|format(c.noise) }}</td><td>{{ c.verdict }}</td></tr>
{% endfor %}</table>

<h2>Captures</h2>
<table><tr><th>id</th><th>taken at</th><th>how</th><th>yaw</th><th>pitch</th><th>roll</th>{% for m in headline %}<th>{{ m }}</th>{% endfor %}</tr>
{% for c in captures %}<tr><td>{{ c.id }}</td><td>{{ c.taken_at.isoformat(sep=" ") }}</td><td>{{ c.taken_at_source }}</td>
{% for v in (c.pose or ("", "", "")) %}<td>{{ "%+.1f"|format(v) if v != "" else "" }}</td>{% endfor %}
{% for m in headline %}<td>{{ "%.4g"|format(c.metrics[m].value) if m in c.metrics else "" }}</td>{% endfor %}</tr>
{% endfor %}</table>

<h2>Methods</h2>
<p>Each photo is analysed on this computer with MediaPipe Face Landmarker (478 landmarks). The landmarks are aligned to MediaPipe's canonical face by a weighted similarity transform on its 33 pose landmarks, so head rotation, distance and position do not enter the numbers. A capture's value combines several views (the frames of a burst, or rotated, rescaled and mirrored copies of a photo): the average of the 20 % trimmed means over the direct views and over the mirrored ones, which cancels the model's own left/right bias; its spread is 1.4826 x the median absolute deviation of the views about their own group's trimmed mean. {% if calibrated %}Noise levels below are this profile's own MDC95 from its repeatability calibration of {{ calibrated }} (1.96 x sqrt 2 x the SEM of repeated captures in one sitting).{% else %}Noise levels below are this profile's MDC95 estimated from the captures' own spreads (1.96 x sqrt 2 x the median spread); a repeatability calibration (<code>facetrack calibrate repeatability</code>) measures it directly.{% endif %}</p>
<table><tr><th>metric</th><th>units</th><th>noise (MDC95)</th><th>trend per 4 weeks [95 % CI]</th><th>what it is</th></tr>
{% for t in trends %}<tr{% if t.beyond_noise %} class="beyond"{% endif %}><td>{{ t.metric.label }} <span class="small">{{ t.metric.name }} (v{{ t.metric.version }})</span></td><td>{{ t.metric.units }}</td><td>{{ "%.3g"|format(t.noise) }}</td>
<td>{% if t.trend %}{{ "%+.3g"|format(t.trend.slope) }} [{{ "%+.2g"|format(t.trend.ci_low) }}, {{ "%+.2g"|format(t.trend.ci_high) }}]{% else %}-{% endif %}</td>
<td style="text-align:left">{{ t.metric.description }}</td></tr>
{% endfor %}</table>
<h3>Caveats</h3><ul>{% for c in caveats %}<li>{{ c }}</li>{% endfor %}</ul>
</body></html>
"""


def render_report(captures: Sequence[Capture], views: Mapping[int, Sequence[LandmarkView]],
                  topology: FaceTopology, *, profile: str, baseline_id: int | None = None,
                  before_id: int | None = None, after_id: int | None = None,
                  mdc: Mapping[str, float] | None = None, calibrated: str | None = None) -> str:
    """The report's HTML. ``views`` holds the landmark views of the two compared captures;
    ``mdc`` the profile's repeatability MDC95 per metric (``calibrated``: when it was made)."""
    import jinja2

    if len(captures) < 2:
        raise ReportError(f"a report needs at least 2 captures, this profile has {len(captures)}")
    by_id = {c.id: c for c in captures}
    baseline = by_id.get(baseline_id, captures[0])
    before = by_id[before_id] if before_id is not None else baseline
    after = by_id[after_id] if after_id is not None else captures[-1]
    if before.id == after.id:
        raise ReportError(f"before and after are the same capture ({before.id})")
    changes = compare_captures(before, after, mdc=mdc)
    trends = metric_trends(captures, mdc)
    aligned = [align_photo(c, views[c.id], topology) for c in (before, after)]
    beyond = [f"{c.metric.label}: {c.change:+.3g} {c.metric.units} from capture {before.id} to {after.id} "
              f"(noise {c.noise:.2g})" for c in changes if c.beyond_noise]
    beyond += [f"{t.metric.label}: trend {t.trend.slope:+.3g} {t.metric.units} per 4 weeks "
               f"[{t.trend.ci_low:+.2g}, {t.trend.ci_high:+.2g}] over all captures" for t in trends if t.beyond_noise]
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(TEMPLATE).render(
        profile=profile, n=len(captures), first=captures[0].taken_at.date(), last=captures[-1].taken_at.date(),
        baseline=baseline, version=__version__, today=dt.date.today().isoformat(), beyond=beyond,
        summary=plain_summary(captures, trends),
        trends_png=png_data_uri(trend_figure(captures, title=f"facetrack: {profile}", baseline_id=baseline.id,
                                             noise=mdc)),
        compare_png=png_data_uri(before_after_figure(*aligned, topology, changes,
                                                     photo_silhouettes(*aligned, topology))),
        flicker_gif=gif_data_uri(gif_bytes(flicker_frames(*aligned))),
        changes=changes, captures=captures, headline=list(HEADLINE),
        trends=trends, caveats=CAVEATS, calibrated=calibrated, silhouettes=silhouette_summary(captures))

