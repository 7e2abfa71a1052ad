"""The app's pages: HTML made on the server from the library's own results (no script or style
from anywhere but the app itself)."""

from __future__ import annotations

import jinja2

STYLE = """
body { font-family: system-ui, sans-serif; margin: 0; color: #222; background: #fafafa; }
header { background: #1f2d3d; color: #fff; padding: 0.6rem 1rem; display: flex; flex-wrap: wrap; gap: 1rem;
         align-items: center; }
header a { color: #fff; text-decoration: none; font-weight: 600; }
header a.here { text-decoration: underline; }
main { padding: 1rem; max-width: 1100px; margin: auto; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 0.8rem; }
.card { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 0.5rem; font-size: 0.85rem; }
.card img { width: 100%; height: 190px; object-fit: cover; border-radius: 4px; }
.error { background: #fde8e8; border: 1px solid #e0a0a0; padding: 0.6rem; border-radius: 4px; }
.note { background: #e8f3fd; border: 1px solid #a0c4e0; padding: 0.6rem; border-radius: 4px; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; }
td, th { border-bottom: 1px solid #ddd; padding: 0.3rem; text-align: left; }
img.figure { max-width: 100%; height: auto; }
.wide { overflow-x: auto; } .small { font-size: 0.8em; color: #555; }
#chart { position: relative; }
.panels { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 440px), 1fr)); gap: 0.6rem; }
svg.panel { width: 100%; height: auto; background: #fff; border: 1px solid #ddd; border-radius: 4px;
            font-family: system-ui, sans-serif; }
svg.panel .title { font-size: 14px; font-weight: 600; fill: #222; } svg.panel .note, svg.panel .tick { font-size: 10.5px; fill: #555; }
svg.panel .frame { fill: none; stroke: #999; } svg.panel .grid { stroke: #eee; } svg.panel .band { fill: #e2e2e2; }
svg.panel .baseline { stroke: #444; stroke-dasharray: 7 3 1.5 3; }
svg.panel .rolling { fill: none; stroke: #666; stroke-width: 1.5; stroke-dasharray: 1.5 3; }
svg.panel .trend { fill: none; stroke: #111; stroke-width: 1.2; stroke-dasharray: 6 4; }
svg.panel .interval { fill: rgba(30, 90, 160, 0.10); stroke: rgba(30, 90, 160, 0.35); stroke-width: 0.8; }
svg.panel .bar { fill: none; stroke: #888; } svg.panel .point { fill: #111; cursor: pointer; outline: none; }
svg.panel .target { fill: transparent; } svg.panel .point:hover .target, svg.panel .point:focus .target
  { fill: rgba(200, 40, 40, 0.2); stroke: #c82828; stroke-width: 1.5; }
#tip { position: absolute; z-index: 2; background: #fff; border: 1px solid #888; border-radius: 4px; padding: 0.4rem;
       font-size: 0.8rem; pointer-events: none; box-shadow: 0 2px 6px rgba(0,0,0,0.2); max-width: 14rem; }
#tip img { display: block; width: 120px; height: auto; margin-bottom: 0.2rem; } header { overflow-x: auto; }
button, input[type=submit] { padding: 0.35rem 0.7rem; }
.drop { border: 2px dashed #9ab; border-radius: 6px; padding: 1rem; margin-bottom: 0.8rem; background: #fff; }
.drop.over { background: #e8f3fd; border-color: #1f6fb2; }
@media (max-width: 500px) { main { padding: 0.5rem; } .card img { height: 140px; }
  svg.panel .title { font-size: 17px; } svg.panel .tick { font-size: 14px; } svg.panel .note { font-size: 12.5px; } }
"""

BASE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>facetrack: {{ title }}</title><style>{{ style }}</style></head>
<body><header><span>facetrack</span>
{% for href, label in nav %}<a href="{{ href }}"{% if label == title %} class="here"{% endif %}>{{ label }}</a>{% endfor %}
<span>profile: {% for p in profiles %}<a href="?profile={{ p }}"{% if p == profile %} class="here"{% endif %}>{{ p }}</a> {% endfor %}</span>
</header><main>
{% if message %}<p class="{{ 'error' if error else 'note' }}" id="message">{{ message }}</p>{% endif %}
{{ body | safe }}
</main></body></html>"""

PHOTOS = """<h1>Photos</h1>
<form method="post" action="/upload" enctype="multipart/form-data" id="upload">
<div id="drop" class="drop">Drop photos here, or
<label>choose them: <input type="file" name="photos" accept="image/*" multiple></label>
<input type="submit" value="Upload"></div></form>
<script>
(() => {
  const drop = document.getElementById("drop"), form = document.getElementById("upload");
  const input = form.querySelector("input[type=file]");
  for (const kind of ["dragenter", "dragover"]) drop.addEventListener(kind, e => {
    e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", e => {  // the dropped files go through the same form as the picker's
    e.preventDefault(); drop.classList.remove("over");
    if (!e.dataTransfer.files.length) return;
    input.files = e.dataTransfer.files;
    form.submit();
  });
})();
</script>
<p>{{ captures | length }} captures, oldest first; {{ silhouettes }}.</p>
<div class="grid">
{% for c in captures %}<div class="card" id="capture-{{ c.id }}">
<a href="/photo/{{ c.id }}"><img src="/thumb/{{ c.id }}" alt="capture {{ c.id }}" loading="lazy"></a>
<div><b>{{ c.id }}</b> · {{ c.taken_at.date() }}{% if c.id == baseline_id %} · <b>baseline</b>{% endif %}</div>
<div>{{ c.quality.views or 0 }} views{% if c.quality.silhouette_missing %} · no silhouette ({{ c.quality.silhouette_missing | length }}){% endif %}
{% if c.quality.manual %} · <span title="taken with Capture now{% if c.quality.failed_gates %}, while these checks failed: {{ c.quality.failed_gates | join(', ') }}{% endif %}">manual{% if c.quality.failed_gates %} ({{ c.quality.failed_gates | join(', ') }}){% endif %}</span>{% endif %}</div>
<form method="post" action="/baseline/{{ c.id }}" style="display:inline"><button>baseline</button></form>
<form method="post" action="/delete/{{ c.id }}" style="display:inline"
 onsubmit="return confirm('Delete capture {{ c.id }} and its photo? This cannot be undone.')"><button>delete</button></form>
</div>{% endfor %}
</div>"""

TRENDS = """<h1>Trends</h1>
<p id="summary">{{ summary }}</p>
{% if groups %}<p class="small">Each point is a capture (bar: its spread). Grey band: the baseline's value ± noise;
a change inside it is within noise. Dash-dot line: the baseline. Dotted: rolling median. Dashed: the trend; the blue wedge around it, its 95 % interval.
Point at a capture (or tab to it, or tap it) to see its date, value ± spread and photo.
{% if every %}<a href="/trends">Show the main metrics only</a>{% else %}<a href="/trends?all=1">Show every metric</a>{% endif %}</p>
<div id="chart">
{% for group, svgs in groups %}<h2>{{ group }}</h2><div class="panels">{% for svg in svgs %}{{ svg | safe }}{% endfor %}</div>
{% endfor %}
<div id="tip" role="tooltip" hidden><img alt="the capture's photo" width="120"><div class="what"></div>
<div class="when"></div><div class="value"></div></div></div>
<script>
(() => {
  const chart = document.getElementById("chart"), tip = document.getElementById("tip");
  const hide = () => { tip.hidden = true; };
  function show(point) {
    const d = point.dataset;
    tip.querySelector(".what").textContent = d.label;
    tip.querySelector(".when").textContent = d.date + " · capture " + d.capture;
    tip.querySelector(".value").textContent = d.text;  // "133.1 ± 0.84 deg", formatted by the server
    tip.querySelector("img").src = "/thumb/" + d.capture;
    tip.hidden = false;
    const box = point.querySelector(".target").getBoundingClientRect(), host = chart.getBoundingClientRect();
    let left = box.right - host.left + 6;
    if (left + tip.offsetWidth > host.width) left = box.left - host.left - tip.offsetWidth - 6;
    tip.style.left = Math.max(0, left) + "px";
    tip.style.top = Math.max(0, box.top - host.top - 10) + "px";
  }
  for (const point of chart.querySelectorAll(".point")) {
    const d = point.dataset;
    point.setAttribute("role", "img");
    point.setAttribute("aria-label", d.label + ", " + d.date + ": " + d.text);
    for (const kind of ["mouseenter", "focus", "click"]) point.addEventListener(kind, () => show(point));
    for (const kind of ["mouseleave", "blur"]) point.addEventListener(kind, hide);
  }
  document.addEventListener("keydown", e => { if (e.key === "Escape") hide(); });
  document.body.dataset.hover = "ready";
})();
</script>{% endif %}
<h2>Every metric</h2>
<div class="wide"><table><tr><th>metric</th><th>units</th><th>trend per 4 weeks [95 %]</th><th>noise (MDC95)</th><th>verdict</th></tr>
{% for t in trends %}<tr><td>{{ t.metric.label }} <span class="small">{{ t.metric.name }}</span></td><td>{{ t.metric.units }}</td>
<td>{% if t.trend %}{{ '%+.3g' % t.trend.slope }} [{{ '%+.2g' % t.trend.ci_low }}, {{ '%+.2g' % t.trend.ci_high }}]{% else %}-{% endif %}</td>
<td>{{ '%.3g' % t.noise }}</td><td>{{ 'beyond noise' if t.beyond_noise else 'within noise' }}</td></tr>{% endfor %}
</table></div>"""

COMPARE = """<h1>Before / after</h1>
<form method="get" action="/compare">
<label>before <select name="a">{% for c in captures %}<option value="{{ c.id }}"{% if c.id == before.id %} selected{% endif %}>{{ c.id }} ({{ c.taken_at.date() }})</option>{% endfor %}</select></label>
<label>after <select name="b">{% for c in captures %}<option value="{{ c.id }}"{% if c.id == after.id %} selected{% endif %}>{{ c.id }} ({{ c.taken_at.date() }})</option>{% endfor %}</select></label>
<input type="submit" value="Compare"></form>
<p><img class="figure" id="pair" src="data:image/png;base64,{{ pair }}" alt="the two captures, aligned"></p>
<p><img class="figure" id="flicker" src="data:image/gif;base64,{{ flicker }}" alt="flicking between the two"></p>
<div class="wide"><table><tr><th>metric</th><th>before</th><th>after</th><th>change</th><th>noise</th><th>verdict</th></tr>
{% for c in changes %}<tr><td>{{ c.metric.label }} <span class="small">{{ c.metric.name }}</span></td><td>{{ '%.4g' % c.before }}</td><td>{{ '%.4g' % c.after }}</td>
<td>{{ '%+.3g' % c.change }}</td><td>{{ '%.3g' % c.noise }}</td><td>{{ c.verdict }}</td></tr>{% endfor %}
</table></div>"""

REPORT = """<h1>Report and export</h1>
<ul>
<li><a href="/download/report.html">The report (one self-contained HTML file)</a></li>
<li><a href="/download/captures.csv">Every capture as CSV</a></li>
<li><a href="/download/captures.json">... as JSON</a></li>
<li><a href="/download/captures.parquet">... as Parquet</a></li>
</ul>"""

CAPTURE = """<h1>This week's photo</h1>
<p id="status">Starting the camera... Allow it when the browser asks.</p>
<p><img id="preview" alt="the camera, as a mirror, with what to do" style="max-width:100%"></p>
<p id="buttons" hidden><button id="now" title="Take the burst now, whatever the checks say (the capture is marked manual)">Capture now</button>
<button id="cancel">Cancel</button></p>
<video id="camera" playsinline muted style="display:none"></video>
<p id="fallback" style="display:none">No camera here? <a href="/photos">Add a photo on the Photos page</a> instead.</p>
<script>
(async () => {
  const status = document.getElementById("status"), preview = document.getElementById("preview");
  const video = document.getElementById("camera");
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({video: {width: 640, height: 480}});
  } catch (e) {
    status.textContent = "No camera: " + (e.name || e) + ".";
    document.getElementById("fallback").style.display = "";
    return;
  }
  video.srcObject = stream;
  await video.play();
  const said = async answer => {  // the app's answer: JSON, or a refusal in one line of text
    const text = await answer.text();
    try { return JSON.parse(text); } catch (e) {
      return {error: text.trim().replace(/^refused: /, "") || "the app answered " + answer.status};
    }
  };
  const buttons = document.getElementById("buttons");
  const stop = why => {
    stream.getTracks().forEach(track => track.stop());
    buttons.hidden = true;
    status.textContent = "No capture: " + why;
    document.getElementById("fallback").style.display = "";
  };
  const begun = await fetch("/capture/start", {method: "POST"});
  const start = await said(begun);
  if (!begun.ok || !start.session) { stop(start.error); return; }
  const session = start.session;  // this tab's capture: named with every frame and button press
  status.textContent = "Follow the instruction on the picture; it captures by itself." +
    (start.took_over ? " (The capture running in another tab or window was stopped.)" : "");
  buttons.hidden = false;
  for (const [id, path] of [["now", "/capture/now"], ["cancel", "/capture/cancel"]]) {
    document.getElementById(id).addEventListener("click", () =>
      fetch(path, {method: "POST", headers: {"x-session": session}}));
  }
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth; canvas.height = video.videoHeight;
  const ctx = canvas.getContext("2d");
  const t0 = performance.now();
  window.facetrackRoundTrips = [];  // ms from a frame grabbed to its answer (read by the benchmark)
  window.facetrackEncodes = [];  // ms of that spent drawing and encoding the frame in the page
  window.facetrackServer = [];  // ... and in the server, from the frame read to the overlay encoded
  for (let index = 0; ; index++) {  // one frame at a time: the next goes when the answer is back
    const sent = performance.now();
    ctx.drawImage(video, 0, 0);
    const blob = await new Promise(done => canvas.toBlob(done, "image/jpeg", 0.92));
    window.facetrackEncodes.push(performance.now() - sent);
    const answer = await fetch("/capture/frame", {method: "POST", body: blob,
      headers: {"x-timestamp": String(Math.round(sent - t0)), "x-index": String(index), "x-session": session}});
    window.facetrackRoundTrips.push(performance.now() - sent);
    const timing = /dur=([0-9.]+)/.exec(answer.headers.get("server-timing") || "");
    if (timing) window.facetrackServer.push(Number(timing[1]));
    if ((answer.headers.get("content-type") || "").startsWith("image/")) {
      const old = preview.src;
      preview.src = URL.createObjectURL(await answer.blob());
      if (old) URL.revokeObjectURL(old);
      continue;
    }
    const outcome = await said(answer);
    sessionStorage.setItem("facetrackRoundTrips", JSON.stringify(window.facetrackRoundTrips));
    sessionStorage.setItem("facetrackEncodes", JSON.stringify(window.facetrackEncodes));
    sessionStorage.setItem("facetrackServer", JSON.stringify(window.facetrackServer));
    if (outcome.capture) {
      stream.getTracks().forEach(track => track.stop());
      location.href = "/capture/result/" + outcome.capture;
      return;
    }
    stop(outcome.error);
    return;
  }
})();
</script>"""

RESULT = """<h1>Captured: capture {{ capture.id }}</h1>
<p><img src="/photo/{{ capture.id }}" alt="the new photo" style="max-width:320px;width:100%"></p>
{% for title, other, changes in comparisons %}
<h2>{{ title }}: capture {{ other.id }} ({{ other.taken_at.date() }})</h2>
<div class="wide"><table class="verdicts"><tr><th>metric</th><th>then</th><th>now</th><th>change</th><th>noise</th><th>verdict</th></tr>
{% for c in changes %}<tr><td>{{ c.metric.label }} <span class="small">{{ c.metric.name }}</span></td><td>{{ '%.4g' % c.before }}</td><td>{{ '%.4g' % c.after }}</td>
<td>{{ '%+.3g' % c.change }}</td><td>{{ '%.3g' % c.noise }}</td><td>{{ c.verdict }}</td></tr>{% endfor %}
</table></div>
{% else %}<p>This is the profile's first capture: later ones will be compared with it.</p>{% endfor %}"""

SETTINGS = """<h1>Capture settings</h1>
<p>The checks a capture must pass (the same names as <code>GateConfig</code> and
<code>facetrack capture --gate</code>). They are kept in <code>{{ path }}</code>, which
<code>facetrack capture</code> also reads. Loosening one makes captures less comparable.</p>
<form method="post" action="/settings"><div class="wide"><table>
{% for name, value, default in rows %}<tr><td><label for="{{ name }}">{{ name }}</label></td>
<td><input id="{{ name }}" name="{{ name }}" value="{{ value }}" inputmode="decimal" size="8"></td>
<td class="small">default {{ default }}</td></tr>{% endfor %}
</table></div><input type="submit" value="Save"></form>
<form method="post" action="/settings/reset"><button>Back to the defaults</button></form>"""

NAV = (("/capture", "Capture"), ("/photos", "Photos"), ("/trends", "Trends"), ("/compare", "Before / after"), ("/report", "Report"), ("/settings", "Settings"))
_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def render(title: str, body_template: str, *, profile: str, profiles, message: str | None = None,
           error: bool = False, **values) -> str:
    body = _ENV.from_string(body_template).render(**values)
    return _ENV.from_string(BASE).render(title=title, style=STYLE, nav=NAV, profile=profile,
                                         profiles=profiles, message=message, error=error, body=body)
