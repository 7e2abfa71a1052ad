"""The self-contained HTML report: summary, trends, before/after, captures, what each measure
means, and the technical details.

One file: the trend charts are inline SVG (the app's panels, ``report.svg_chart``, their text
at least 12 px on any screen: on a phone each chart scrolls in its own box, the page never
sideways), every picture is embedded as a data: URI, there is no script, no font, no style
sheet or image fetched from anywhere, so it opens offline in any browser and can be kept
or shared as it is (it contains the user's face: facetrack never sends it anywhere).

It speaks the reader's language: plain names and units (``metrics.labels``), each change as
``report.changes`` gives it (the summary's numbers are the trends table's), the captures
taken with failed checks named (``report.wording``); internal names, stored units and the
per-4-weeks slopes only in the collapsed technical details.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from typing import Collection, Mapping, Sequence

import numpy as np

from facetrack import __version__
from facetrack.stats.compare import judge_pair
from facetrack.stats.verdicts import NOT_MEASURED
from facetrack.errors import ReportError
from facetrack.metrics import ALL_METRICS, HEADLINE, get_metric
from facetrack.metrics.labels import (GROUP_LABELS, NOISE_MEANING, NOISE_NAME, VERDICT_MEANING, WHAT_CAN_BE_SEEN,
                                      format_noise, format_value)
from facetrack.records import Capture, LandmarkView, Repeatability
from facetrack.topology import FaceTopology
from facetrack.stats.silhouette import silhouette_state, silhouette_summary
from facetrack.report.changes import pair_change, period_words, trend_change
from facetrack.report.pictures import align_photo, before_after_figure, flicker_frames, gif_bytes, photo_silhouettes
from facetrack.report.charts import panel_series
from facetrack.report.svg_chart import panels_svg
from facetrack.report.summary import metric_trends, plain_summary
from facetrack.report.wording import failed_captures_sentence, failed_checks, how_taken, pair_sentence, photo_name
from facetrack.stats.trends import days_since

CAVEATS = (
    "These numbers are geometric proxies computed from face landmarks found in photos from one "
    "camera. They describe the shape of the outline and the position of features, not tissue: "
    "skin firmness, collagen, fat and muscle are not measured.",
    "A change is called beyond noise only when it is larger than the smallest real change: the "
    "change two photos of an unchanged face exceed less than 5 % of the time. Within noise does "
    "not mean nothing changed, only that this method cannot tell.",
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
td:first-child, th:first-child, td.text, th.text { text-align: left; } .beyond { font-weight: 600; } .small { font-size: 0.85em; color: #555; }
.warn { background: #fff4e0; border: 1px solid #e0b060; padding: 0.5em; border-radius: 4px; }
details { margin-top: 2em; } summary { cursor: pointer; font-weight: 600; }
body { overflow-wrap: anywhere; } table { display: block; max-width: 100%; overflow-x: auto; }
.panels { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 520px), 1fr)); gap: 0.6em; }
.panel-box { overflow-x: auto; } /* on a narrow screen a chart scrolls in its box, the page does not */
svg.panel { width: 100%; min-width: 520px; height: auto; background: #fff; border: 1px solid #ddd; border-radius: 4px; }
svg.panel text { font-family: system-ui, sans-serif; } svg.panel .title { font-size: 14px; font-weight: 600; fill: #222; }
svg.panel .note, svg.panel .tick { font-size: 12px; fill: #444; }
svg.panel .frame { fill: none; stroke: #999; } svg.panel .grid { stroke: #eee; } svg.panel .band { fill: #e2e2e2; }
svg.panel .baseline { stroke: #444; stroke-dasharray: 7 3 1.5 3; }
svg.panel .rolling { fill: none; stroke: #666; stroke-width: 1.5; stroke-dasharray: 1.5 3; }
svg.panel .trend { fill: none; stroke: #111; stroke-width: 1.2; stroke-dasharray: 6 4; }
svg.panel .interval { fill: rgba(30, 90, 160, 0.10); stroke: rgba(30, 90, 160, 0.35); stroke-width: 0.8; }
svg.panel .bar { fill: none; stroke: #888; } svg.panel .point { fill: #111; } svg.panel .target { fill: transparent; }
@media (max-width: 600px) { body { margin: 1em auto; padding: 0 0.6em; } }
</style></head><body>
<h1>facetrack report: {{ profile }}</h1>
<p class="small">{{ n }} captures from {{ first }} to {{ last }}; baseline: the {{ name(baseline) | lower }}.
Made by facetrack {{ version }} on {{ today }}, on this computer; nothing was uploaded.</p>

<h2>Summary</h2>
<p id="summary">{{ summary }}</p>
{% if failed_note %}<p id="failed-checks" class="warn">{{ failed_note }}</p>{% endif %}
<p id="pair-verdict"><b>Between {{ pair_names }}:</b> {{ pair_sentence }}</p>
{% if pair_beyond %}<ul id="beyond-pair">{% for line in pair_beyond %}<li>{{ line }}</li>{% endfor %}</ul>{% endif %}
<p id="trend-verdict"><b>Over all {{ n }} captures (the trends):</b> {{ trend_sentence }}</p>
{% if trend_beyond %}<ul id="beyond-trend">{% for line in trend_beyond %}<li>{{ line }}</li>{% endfor %}</ul>{% endif %}
<p class="small">Each of these two answers is tested on its own, with every measure in it tested at once, so that a face that did not change is told it changed rarely (how rarely is measured in the documentation, not promised here).</p>
<p class="small">{{ silhouettes[0] | upper }}{{ silhouettes[1:] }}. The silhouette measures see the real outline of the face against the background; the others are measured on the face's landmarks (which show only part of a change of the outline).</p>

<h2>Trends</h2>
<p class="small">Each point is one photo (its bar: how much the measurements of that one photo differed). The dotted line follows the typical value of each photo and its neighbours; the dashed line is the trend, the blue wedge the range it likely lies in. Grey band: the baseline photo's value plus or minus the smallest real change; a value inside it is within noise. The line of dashes and dots marks the baseline photo.{% if failed_note %} Hollow points: photos taken with failed checks.{% endif %}</p>
<div id="trend-charts">{% for group, svgs in trend_svgs %}<h3>{{ group }}</h3>
<div class="panels">{% for svg in svgs %}<div class="panel-box">{{ svg | safe }}</div>{% endfor %}</div>
{% endfor %}</div>
<table id="trends"><tr><th>measure</th><th>change over {{ period }}</th><th>likely range</th><th>{{ noise_name }}</th><th class="text">verdict</th></tr>
{% for t, f in trend_rows %}<tr{% if t.beyond_noise %} class="beyond"{% endif %}><td>{{ t.metric.label }}</td>
{% if f %}<td>{{ f.text }}</td><td>{{ f.range_text }}</td><td>{{ f.noise_text }}</td><td class="text">{{ f.verdict }}</td>
{% elif t.measured %}<td>too few photos</td><td></td><td>{{ noise_text(t) }}</td><td class="text">no trend yet</td>{% else %}<td>-</td><td></td><td>-</td><td class="text">not measured</td>{% endif %}</tr>
{% endfor %}</table>

<h2>Before and after</h2>
<p>The {{ name(before) | lower }} and the {{ name(after) | lower }}, lined up on the eye corners and the nose.</p>
{% for c, note in pair_notes %}<p class="warn">{{ name(c) }}: {{ note }}</p>{% endfor %}
<img alt="before and after, aligned" src="{{ compare_png }}">
<p><img alt="flicking between before and after" src="{{ flicker_gif }}"></p>
<table id="before-after"><tr><th>measure</th><th>before</th><th>after</th><th>change</th><th>{{ noise_name }}</th><th class="text">verdict</th></tr>
{% for c, f in pair_rows %}<tr{% if c.beyond_noise %} class="beyond"{% endif %}><td>{{ c.metric.label }}</td>
<td>{{ value(c.metric, c.before) }}</td><td>{{ value(c.metric, c.after) }}</td>{% if f %}<td>{{ f.text }}</td><td>{{ f.noise_text }}</td><td class="text">{{ f.verdict }}</td>{% else %}<td>-</td><td>-</td><td class="text">not measured</td>{% endif %}</tr>
{% endfor %}</table>

<h2>Captures</h2>
<table id="captures"><tr><th>capture</th><th class="text">taken</th><th class="text">how</th><th class="text">notes</th>{% for m in headline %}<th>{{ m.label }}, {{ m.unit.symbol }}</th>{% endfor %}</tr>
{% for c in captures %}<tr><td>{{ c.id }}</td><td class="text">{{ c.taken_at.strftime("%Y-%m-%d %H:%M") }}</td><td class="text">{{ how(c) }}{% if c.id in corrected %}, date corrected{% endif %}</td>
<td class="text">{{ notes(c) }}</td>
{% for m in headline %}<td>{{ value(m, c.metrics[m.name].value if m.name in c.metrics else None, False) }}</td>{% endfor %}</tr>
{% endfor %}</table>

<h2>What each measure means</h2>
<table id="measures"><tr><th>measure</th><th class="text">what it is, and what higher means</th><th class="text">unit</th></tr>
{% for m in metrics %}<tr><td>{{ m.label }}</td><td class="text">{{ m.meaning }}</td><td class="text">{{ m.unit.words }}</td></tr>
{% endfor %}</table>
<ul id="units">{% for u in units %}<li><b>{{ u.words }}</b> ({{ u.symbol }}): {{ u.meaning }}</li>{% endfor %}
<li><b>{{ noise_name }}</b>: {{ noise_meaning }}</li>
<li><b>beyond noise, within noise</b>: {{ verdict_meaning }}</li>
<li><b>what can be seen</b>: {{ what_can_be_seen }}</li></ul>
<h3>Caveats</h3><ul>{% for c in caveats %}<li>{{ c }}</li>{% endfor %}</ul>

<details><summary>Technical details</summary>
<p>Each photo is analysed on this computer with MediaPipe Face Landmarker (478 landmarks). The landmarks are aligned to MediaPipe's canonical face by a weighted similarity transform on its 33 pose landmarks, so head rotation, distance and position do not enter the numbers. A capture's value combines several views (the frames of a burst, or rotated, rescaled and mirrored copies of a photo): the average of the 20 % trimmed means over the direct views and over the mirrored ones, which cancels the model's own left/right bias; its spread is 1.4826 x the median absolute deviation of the views about their own group's trimmed mean. The smallest real change comes from how much two captures of an unchanged face differ: facetrack's measured default, pooled with the scatter of this profile's own captures around their trend{% if calibrated %} and its repeat photos of {{ calibrated }}{% endif %} (docs/metrics.md, "How sure a verdict is"); it is t x sqrt 2 x that SD, t the Student quantile for all the measures tested together (Bonferroni, 5 % family-wise). A trend's change over the whole period is its least-squares slope times the span, tested against the same noise.</p>
<table><tr><th>metric</th><th>stored units</th><th>smallest real change</th><th>trend per 4 weeks, p</th><th class="text">definition</th></tr>
{% for t in trends %}<tr><td>{{ t.metric.name }} (v{{ t.metric.version }})</td><td>{{ t.metric.units }}</td><td>{{ "%.3g"|format(t.noise) }}</td>
<td>{% if t.trend %}{{ "%+.3g"|format(t.trend.slope) }}, p {{ "%.2g"|format(t.trend.p) }}{% else %}-{% endif %}</td>
<td class="text">{{ t.metric.description }}</td></tr>
{% endfor %}</table>
<table><tr><th>capture</th><th class="text">taken at</th><th class="text">date from</th><th class="text">source</th><th>yaw</th><th>pitch</th><th>roll</th></tr>
{% for c in captures %}<tr><td>{{ c.id }}</td><td class="text">{{ c.taken_at.isoformat(sep=" ") }}</td><td class="text">{{ c.taken_at_source }}</td><td class="text">{{ c.source_path | source_name }}</td>
{% for v in (c.pose or ("", "", "")) %}<td>{{ "%+.1f"|format(v) if v != "" else "" }}</td>{% endfor %}</tr>
{% endfor %}</table>
</details>
</body></html>
"""


def _notes(capture: Capture) -> str:
    """A capture's notes in the captures table: its failed checks and its silhouette."""
    problems = failed_checks(capture)
    parts = [f"taken with failed checks: {', '.join(problems)}"] if problems else []
    return "; ".join([*parts, silhouette_state(capture).text])


def render_report(captures: Sequence[Capture], views: Mapping[int, Sequence[LandmarkView]],
                  topology: FaceTopology, *, profile: str, baseline_id: int | None = None,
                  before_id: int | None = None, after_id: int | None = None,
                  repeats: Mapping[str, Repeatability] | None = None, calibrated: str | None = None,
                  corrected: Collection[int] = ()) -> str:
    """The report's HTML. ``views`` holds the landmark views of the two compared captures;
    ``repeats`` the profile's repeatability calibration (``calibrated``: when it was made);
    ``corrected``: the ids of captures whose date was corrected (``Store.date_corrections``)."""
    import jinja2

    if len(captures) < 2:
        raise ReportError(f"a report needs at least 2 captures, this profile has {len(captures)}")
    by_id = {c.id: c for c in captures}
    baseline = by_id.get(baseline_id, captures[0])
    before = by_id[before_id] if before_id is not None else baseline
    after = by_id[after_id] if after_id is not None else captures[-1]
    if before.id == after.id:
        raise ReportError(f"before and after are the same capture ({before.id})")
    verdict = judge_pair(captures, before, after, repeats)
    pair_rows = [(c, pair_change(c, before, after) if c.verdict != NOT_MEASURED else None)
                 for c in verdict.measures]
    trends = metric_trends(captures, repeats, baseline_id=baseline.id)
    trend_rows = [(t, trend_change(t)) for t in trends]
    aligned = [align_photo(c, views[c.id], topology) for c in (before, after)]
    pair_beyond = [f"{f.metric.label}: {f.text}, more than its smallest real change of {f.noise_text}"
                   for _, f in pair_rows if f is not None and f.beyond_noise]
    trend_beyond = [f"{f.metric.label}: {f.text} {f.period} (likely range {f.range_text})"
                    for _, f in trend_rows if f is not None and f.beyond_noise]
    units = list({(m.unit.symbol, m.unit.words): m.unit for m in ALL_METRICS}.values())
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    from facetrack.report.export import source_name

    env.filters["source_name"] = source_name  # the photo's own name: no local path in a shared file
    return env.from_string(TEMPLATE).render(
        profile=profile, n=len(captures), first=captures[0].taken_at.date(), last=captures[-1].taken_at.date(),
        baseline=baseline, version=__version__, today=dt.date.today().isoformat(), 
        summary=plain_summary(captures, trends, baseline=baseline), failed_note=failed_captures_sentence(captures),
        pair_names=f"the {photo_name(before, captures).lower()} and the {photo_name(after, captures).lower()}",
        name=lambda c: photo_name(c, captures),
        pair_sentence=pair_sentence(verdict), pair_beyond=pair_beyond, trend_beyond=trend_beyond,
        trend_sentence=("these changed beyond noise:" if trend_beyond
                        else "no measure's trend is beyond noise."),
        period=period_words(float(np.ptp(days_since([c.taken_at for c in captures])))), noise_name=NOISE_NAME, noise_meaning=NOISE_MEANING,
        verdict_meaning=VERDICT_MEANING, what_can_be_seen=WHAT_CAN_BE_SEEN,
        trend_svgs=_trend_svgs(captures, baseline.id, repeats),
        compare_png=png_data_uri(before_after_figure(*aligned, topology, verdict,
                                                     photo_silhouettes(*aligned, topology))),
        flicker_gif=gif_data_uri(gif_bytes(flicker_frames(*aligned))),
        pair_rows=pair_rows, trend_rows=trend_rows, before=before, after=after,
        pair_notes=[(c, ", ".join(failed_checks(c)) + ": taken with failed checks, so less comparable")
                    for c in (before, after) if failed_checks(c)],
        captures=captures, headline=[get_metric(n) for n in HEADLINE], metrics=ALL_METRICS, units=units,
        trends=trends, caveats=CAVEATS, calibrated=calibrated, silhouettes=silhouette_summary(captures),
        corrected=set(corrected), how=how_taken, notes=_notes, value=_value,
        noise_text=lambda t: format_noise(t.metric, t.noise))


def _trend_svgs(captures, baseline_id: int, repeats) -> list[tuple[str, list[str]]]:
    """The headline trend panels and the skin's (a section of their own) as inline SVG (the app's,
    ``svg_chart``), by group; inside an HTML page an ``<svg>`` needs no namespace, so the file
    names no address at all."""
    from facetrack.metrics import SKIN

    chosen = [*(get_metric(n) for n in HEADLINE), *SKIN]
    panels = panels_svg(panel_series(captures, metrics=chosen, baseline_id=baseline_id, repeats=repeats))
    return [(GROUP_LABELS[group], [s.replace(' xmlns="http://www.w3.org/2000/svg"', "") for s in svgs])
            for group, svgs in panels]


def _value(metric, value, with_unit: bool = True) -> str:
    return format_value(metric, value, with_unit=with_unit)
