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
.due { background: #eef6ee; border: 1px solid #a8cfa8; padding: 0.5rem 0.7rem; border-radius: 4px; }
.demo { background: #fff4d6; border: 2px solid #d9a400; padding: 0.6rem; border-radius: 4px; margin-bottom: 0.6rem;
        display: flex; flex-wrap: wrap; gap: 0.6rem; align-items: center; }
.demo form { margin: 0; }
a.big, button.big { display: inline-block; padding: 0.7rem 1.1rem; font-size: 1.05rem; background: #1f6fb2; color: #fff;
  border-radius: 6px; text-decoration: none; border: 0; cursor: pointer; margin: 0.2rem 0; }
.ways { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 280px), 1fr)); gap: 0.8rem; }
.ways > div { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 0.8rem; }
.verdict-beyond { font-weight: 600; color: #8a3b00; } .verdict-within { color: #2d5f2d; }
td .meaning, .meaning { display: block; font-size: 0.78rem; color: #555; }
.slider { position: relative; max-width: 480px; --pos: 50%; }
.slider img { display: block; width: 100%; height: auto; }
.slider img.after { position: absolute; top: 0; left: 0; clip-path: inset(0 0 0 var(--pos)); }
.slider .line { position: absolute; top: 0; bottom: 2.4rem; left: var(--pos); width: 2px; background: #fff;
                box-shadow: 0 0 2px #000; pointer-events: none; }
.slider input { width: 100%; margin-top: 0.4rem; }
.pictures { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 340px), 1fr)); gap: 0.8rem; }
.card form { margin: 0.2rem 0; } .card details { margin-top: 0.2rem; }
details.tech { margin-top: 1rem; font-size: 0.85rem; }
ul.dates { padding-left: 1.2rem; } ul.dates li { margin: 0.2rem 0; overflow-wrap: anywhere; }
.instruction { font-size: 1.6rem; font-weight: 600; margin: 0.4rem 0; }
.capture-view { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
.capture-view img { max-width: 100%; flex: 1 1 320px; min-width: 0; }
ul.checks { list-style: none; padding: 0; margin: 0; flex: 0 1 15rem; font-size: 0.95rem; }
ul.checks li { padding: 0.1rem 0; } ul.checks .met { color: #1b6e2a; } ul.checks .unmet { color: #a32020; font-weight: 600; }
ul.checks .unknown { color: #777; }
@media (max-width: 600px) {
  table.cards, table.cards tbody, table.cards tr, table.cards td { display: block; width: auto; }
  table.cards tr.head { display: none; }
  table.cards tr { border: 1px solid #ddd; border-radius: 6px; margin-bottom: 0.5rem; background: #fff; padding: 0.3rem; }
  table.cards td { border: 0; padding: 0.15rem 0.3rem; overflow-wrap: anywhere; }
  table.cards td[data-label]::before { content: attr(data-label) ": "; color: #555; }
}
@media (max-width: 500px) { main { padding: 0.5rem; } .card img { height: 140px; }
  svg.panel .title { font-size: 17px; } svg.panel .tick { font-size: 14px; } svg.panel .note { font-size: 12.5px; } }
"""

BASE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>facetrack: {{ title }}</title><style>{{ style }}</style></head>
<body><header><span>facetrack</span>
{% for href, label in nav %}<a href="{{ href }}"{% if label == title %} class="here"{% endif %}>{{ label }}</a>{% endfor %}
{% if not demo %}<span>profile: {% for p in profiles %}<a href="?profile={{ p }}"{% if p == profile %} class="here"{% endif %}>{{ p }}</a> {% endfor %}</span>{% endif %}
</header><main>
{% if demo %}<div class="demo" id="demo-banner"><span><b>You are looking at example photos</b>: a demo made from a public
portrait, not your photos. Nothing you do here changes your own.</span>
<form method="post" action="/demo/leave"><button>Back to your own photos</button></form></div>{% endif %}
{% if due %}<p class="due" id="due">{{ due }} <a href="/capture">Take a photo</a></p>{% endif %}
{% if message %}<p class="{{ 'error' if error else 'note' }}" id="message">{{ message }}{% if tech %}
<span class="small" title="{{ tech }}">(technical details)</span>{% endif %}</p>{% endif %}
{{ body | safe }}
</main></body></html>"""

PHOTOS = """<h1>Photos</h1>
<form method="post" action="/upload" enctype="multipart/form-data" id="upload">
<div id="drop" class="drop">Drop photos here, or
<label>choose them: <input type="file" name="photos" accept="image/*" multiple></label>
<div id="review" hidden><p>Check each photo's date (from the camera, else the file's own date) and correct it if needed:</p>
<ul id="dates" class="dates"></ul></div>
<input type="submit" value="Upload"></div></form>
<script>
(() => {
  const drop = document.getElementById("drop"), form = document.getElementById("upload");
  const input = form.querySelector("input[type=file]"), list = document.getElementById("dates");
  const today = "{{ today }}";
  const day = d => [d.getFullYear(), String(d.getMonth() + 1).padStart(2, "0"),
                    String(d.getDate()).padStart(2, "0")].join("-");
  async function cameraDate(file) {  // a JPEG's EXIF DateTimeOriginal (else DateTime), as yyyy-mm-dd
    try {
      const v = new DataView(await file.slice(0, 131072).arrayBuffer());
      if (v.getUint16(0) !== 0xFFD8) return null;
      for (let p = 2; p + 10 <= v.byteLength;) {
        const marker = v.getUint16(p), size = v.getUint16(p + 2);
        if ((marker & 0xFF00) !== 0xFF00) return null;
        if (marker === 0xFFE1 && v.getUint32(p + 4) === 0x45786966) {  // "Exif"
          const t = p + 10, le = v.getUint16(t) === 0x4949;
          const u16 = o => v.getUint16(t + o, le), u32 = o => v.getUint32(t + o, le);
          const find = (ifd, tag) => {
            for (let i = 0, n = u16(ifd); i < n; i++) if (u16(ifd + 2 + 12 * i) === tag) return ifd + 2 + 12 * i;
            return null;
          };
          const ifd0 = u32(4), sub = find(ifd0, 0x8769);
          const entry = (sub !== null && find(u32(sub + 8), 0x9003)) || find(ifd0, 0x0132);
          if (!entry) return null;
          let text = "";
          for (let i = 0; i < 10; i++) text += String.fromCharCode(v.getUint8(t + u32(entry + 8) + i));
          const m = /^([0-9]{4}):([0-9]{2}):([0-9]{2})$/.exec(text);
          return m ? m[1] + "-" + m[2] + "-" + m[3] : null;
        }
        p += 2 + size;
      }
    } catch (e) {}
    return null;
  }
  async function review() {  // each photo with its date, editable, before anything is imported
    const rows = [];
    for (const file of input.files) {
      const li = document.createElement("li"), label = document.createElement("label");
      const date = document.createElement("input");
      date.type = "date"; date.required = true; date.max = today;
      date.value = (await cameraDate(file)) || day(new Date(file.lastModified));
      label.append(file.name + ": ", date); li.append(label); rows.push(li);
    }
    list.replaceChildren(...rows);
    document.getElementById("review").hidden = !rows.length;
  }
  input.addEventListener("change", review);
  form.addEventListener("submit", async e => {  // each photo goes with its date, just before it
    e.preventDefault();
    if (!form.reportValidity()) return;
    const body = new FormData(), dates = list.querySelectorAll("input[type=date]");
    [...input.files].forEach((file, i) => { body.append("date", dates[i] ? dates[i].value : ""); body.append("photos", file); });
    form.querySelector("input[type=submit]").disabled = true;
    const answer = await fetch("/upload", {method: "POST", body});
    const page = await answer.text();
    history.replaceState(null, "", "/photos");
    document.open(); document.write(page); document.close();
  });
  for (const kind of ["dragenter", "dragover"]) drop.addEventListener(kind, e => {
    e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", e => {  // the dropped files go through the same review as the picker's
    e.preventDefault(); drop.classList.remove("over");
    if (!e.dataTransfer.files.length) return;
    input.files = e.dataTransfer.files;
    review();
  });
})();
</script>
<p id="count">{{ captures | length }} photo{{ '' if captures | length == 1 else 's' }}, oldest first; {{ silhouettes }}.</p>
<div class="grid">
{% for k in cards %}{% set c = k.c %}<div class="card" id="capture-{{ c.id }}">
<a href="/photo/{{ c.id }}"><img src="/thumb/{{ c.id }}" alt="capture {{ c.id }}" loading="lazy"></a>
<div>capture <b>{{ c.id }}</b> · {{ k.day }}{% if c.id == baseline_id %} · <b>baseline</b>{% endif %}</div>
<div class="small">{{ k.how }}{% if c.quality.views %}, {{ c.quality.views }} views{% endif %}</div>
<div class="small silhouette">{{ k.silhouette }}</div>
{% if k.failed %}<div class="small failed">{{ k.failed }}</div>{% endif %}
{% if c.quality.manual %}<details class="small"><summary>Technical details</summary>
manual{% if c.quality.failed_gates %} ({{ c.quality.failed_gates | join(', ') }}){% endif %}</details>{% endif %}
{% if not demo %}<form method="post" action="/baseline/{{ c.id }}" style="display:inline"
 title="Compare the others with this photo"><button>Make it the baseline</button></form>
<form method="post" action="/delete/{{ c.id }}" style="display:inline"
 onsubmit="return confirm('Delete capture {{ c.id }} and its photo? This cannot be undone.')"><button>Delete</button></form>
<details><summary>Wrong date?</summary><form method="post" action="/date/{{ c.id }}">
<label>Taken on <input type="date" name="date" value="{{ k.day }}" max="{{ today }}" required></label>
<button>Correct the date</button></form></details>{% endif %}
</div>{% endfor %}
</div>"""

TRENDS = """<h1>Trends</h1>
<p id="summary">{{ summary }}</p>
{% if groups %}<p class="small">Each point is a photo (its bar: how much its views differed). Grey band: the baseline's
value give or take the smallest real change; a change inside it is within noise. Dash-dot line: the baseline. Dotted:
the running middle value. Dashed: the trend; the blue wedge around it, the range it is 95 % sure to lie in.
Point at a photo (or tab to it, or tap it) to see its date, value and photo.
{% if every %}<a href="/trends">Show the main measures only</a>{% else %}<a href="/trends?all=1">Show every measure</a>{% endif %}</p>
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
    tip.querySelector(".value").textContent = d.text;  // "133.1 ± 0.8°", formatted by the server
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
{% if rows %}<h2>Every measure</h2>
<p class="small">Change: the trend's change from the first photo to the last {{ period }}, with the range it is 95 % sure
to lie in. {{ noise_name | capitalize }}: {{ noise_meaning }} {{ verdict_meaning }}</p>
<table class="cards" id="trend-table"><tr class="head"><th>verdict</th><th>measure</th><th>change</th><th>95 % range</th>
<th>{{ noise_name }}</th></tr>
{% for r in rows %}<tr data-metric="{{ r.name }}"><td data-label="verdict" class="verdict {{ r.verdict_class }}">{{ r.verdict }}</td>
<td data-label="measure"><span title="{{ r.meaning }}">{{ r.label }}</span><span class="meaning">{{ r.meaning }} In {{ r.unit_words }}.</span></td>
<td data-label="change" class="change">{{ r.change }}</td><td data-label="95 % range" class="range">{{ r.range }}</td>
<td data-label="{{ noise_name }}" class="noise">{{ r.noise }}</td></tr>{% endfor %}
</table>
{{ technical | safe }}{% endif %}"""

COMPARE = """<h1>Before / after</h1>
<form method="get" action="/compare">
<label>before <select name="a">{% for c in captures %}<option value="{{ c.id }}"{% if c.id == before.id %} selected{% endif %}>capture {{ c.id }} ({{ c.taken_at.date() }})</option>{% endfor %}</select></label>
<label>after <select name="b">{% for c in captures %}<option value="{{ c.id }}"{% if c.id == after.id %} selected{% endif %}>capture {{ c.id }} ({{ c.taken_at.date() }})</option>{% endfor %}</select></label>
<input type="submit" value="Compare"></form>
<p id="caption">{{ caption }}</p>
{% for s in failed %}<p class="error">{{ s }}</p>{% endfor %}
<div class="pictures">
<div><h2>Slide to compare</h2>
<div class="slider" id="slider"><img class="before" src="{{ base }}/before.jpg" alt="before: capture {{ before.id }}, {{ before.taken_at.date() }}" width="480" height="600">
<img class="after" src="{{ base }}/after.jpg" alt="after: capture {{ after.id }}, {{ after.taken_at.date() }}" width="480" height="600">
<span class="line"></span>
<input type="range" id="reveal" min="0" max="100" value="50" aria-label="Slide: left shows before, right shows after">
<p class="small">Left of the line: before ({{ before.taken_at.date() }}); right: after ({{ after.taken_at.date() }}).
Drag the slider or use the arrow keys.</p></div>
<script>
(() => {
  const slider = document.getElementById("slider"), reveal = document.getElementById("reveal");
  const move = () => slider.style.setProperty("--pos", reveal.value + "%");
  reveal.addEventListener("input", move); move();
})();
</script></div>
<div><h2>Flicking between them</h2>
<p><img class="figure" id="flicker" src="/compare/flicker/{{ before.id }}/{{ after.id }}.gif" alt="flicking between the two" loading="lazy" width="480" height="600"></p></div>
</div>
<h2>Side by side, with both outlines</h2>
<p><img class="figure" id="pair" src="/compare/pair/{{ before.id }}/{{ after.id }}.png" alt="the two captures, aligned" loading="lazy" width="900" height="580"></p>
<h2>Every measure</h2>
<p class="small">Change: after minus before. {{ noise_name | capitalize }}: {{ noise_meaning }} {{ verdict_meaning }}</p>
<table class="cards" id="pair-table"><tr class="head"><th>verdict</th><th>measure</th><th>before</th><th>after</th><th>change</th><th>{{ noise_name }}</th></tr>
{% for r in rows %}<tr data-metric="{{ r.name }}"><td data-label="verdict" class="verdict {{ r.verdict_class }}">{{ r.verdict }}</td>
<td data-label="measure"><span title="{{ r.meaning }}">{{ r.label }}</span><span class="meaning">{{ r.meaning }} In {{ r.unit_words }}.</span></td>
<td data-label="before">{{ r.before }}</td><td data-label="after">{{ r.after }}</td>
<td data-label="change" class="change">{{ r.change }}</td><td data-label="{{ noise_name }}" class="noise">{{ r.noise }}</td></tr>{% endfor %}
</table>
<h2>Time-lapse</h2>
<p>Every photo of this profile in order, aligned on the eyes and nose.</p>
<p><img class="figure" id="timelapse" src="/timelapse.gif" alt="every photo in order" loading="lazy" width="480" height="600"></p>
<p><a href="/download/timelapse.mp4">Download the time-lapse as a video (MP4)</a> ·
<a href="/timelapse.gif" download="timelapse.gif">as an animated picture (GIF)</a></p>
{{ technical | safe }}"""

REPORT = """<h1>Report and export</h1>
{% if summary %}<h2>What the report says</h2>
<div id="preview" class="note"><p id="report-summary">{{ summary }}</p>
{% if pair %}<p id="report-pair">Before / after, the baseline and the latest photo: {{ pair }}.</p>{% endif %}
{% if failed %}<p>{{ failed }}</p>{% endif %}
<p class="small">The report also holds the charts of every measure, the before / after pictures and a table of every
photo.</p></div>{% else %}<p>There is nothing to report yet: a report needs at least two photos.</p>{% endif %}
<h2>Downloads</h2>
<ul id="downloads">
<li><a href="/download/report.html">The report</a>: one web page with everything above, the charts and the pictures;
it opens in any browser and can be kept or sent as one file.</li>
<li><a href="/download/captures.csv">Every photo's numbers as a spreadsheet (CSV)</a>: opens in Excel, Numbers or
LibreOffice.</li>
<li><a href="/download/captures.json">The same as JSON</a>: for programs that read JSON.</li>
<li><a href="/download/captures.parquet">The same as Parquet</a>: for data-analysis tools (pandas, R).</li>
<li><a href="/download/timelapse.mp4">The time-lapse video (MP4)</a>: every photo in order, aligned on the eyes.</li>
</ul>"""

RESULT = """<h1>Captured: capture {{ capture.id }}</h1>
<p><img src="/photo/{{ capture.id }}" alt="the new photo" style="max-width:320px;width:100%"></p>
{% set warning = failed_checks_sentence(capture) %}{% if warning %}<p class="error" id="failed-checks">{{ warning }}</p>{% endif %}
{% for title, other, changes in comparisons %}
<h2>{{ title }}: capture {{ other.id }} ({{ other.taken_at.date() }})</h2>
<table class="cards verdicts"><tr class="head"><th>verdict</th><th>measure</th><th>then</th><th>now</th><th>change</th><th>{{ noise_name }}</th></tr>
{% for c in changes %}{% set f = pair_change(c, other, capture) %}<tr data-metric="{{ c.metric.name }}">
<td data-label="verdict" class="verdict">{{ f.verdict }}</td>
<td data-label="measure"><span title="{{ meaning(c.metric) }}">{{ c.metric.label }}</span></td>
<td data-label="then">{{ format_value(c.metric, c.before) }}</td><td data-label="now">{{ format_value(c.metric, c.after) }}</td>
<td data-label="change">{{ f.text }}</td><td data-label="{{ noise_name }}">{{ f.noise_text }}</td></tr>{% endfor %}
</table>
{% else %}<p>This is the profile's first capture: later ones will be compared with it.</p>{% endfor %}
<p class="small">{{ noise_name | capitalize }}: {{ noise_meaning }}</p>"""

SETTINGS = """<h1>Capture settings</h1>
<p>The checks a photo must pass before it is taken, so that every week's photo is taken the same way and the
photos can be compared. Loosening one makes photos less comparable; the defaults suit most people.</p>
<form method="post" action="/settings"><table class="cards" id="settings-table">
<tr class="head"><th>check</th><th>value</th><th>allowed</th></tr>
{% for r in rows %}<tr><td data-label="check"><label for="{{ r.name }}"><b>{{ r.label }}</b></label>
<span class="meaning">{{ r.meaning }}</span></td>
<td data-label="value"><input id="{{ r.name }}" name="{{ r.name }}" value="{{ r.value }}" type="number"
 min="{{ r.low }}" max="{{ r.high }}" step="{{ r.step }}" inputmode="decimal" style="width:6rem"> {{ r.unit }}</td>
<td data-label="allowed" class="small">{{ r.allowed }}; default {{ r.default }}</td></tr>{% endfor %}
</table><p><input type="submit" value="Save"></p></form>
<form method="post" action="/settings/reset"><button>Reset to defaults</button></form>
<details class="tech"><summary>Technical details</summary>
<p>Kept in <code>{{ path }}</code>, which <code>facetrack capture</code> also reads
(<code>facetrack capture --gate NAME=VALUE</code>). Names:
{% for r in rows %}<code>{{ r.name }}</code> ({{ r.label }}){{ ', ' if not loop.last else '.' }}{% endfor %}</p></details>"""

WELCOME = """<h1>Welcome to facetrack</h1>
<p id="about">facetrack takes the same kind of photo of your face each week and measures it: your jawline, the
fullness of your cheeks and mid-face, and how symmetric your face is. It tells you which changes are larger than the
day-to-day noise of photos, so you can see whether your exercises change anything. Everything stays on this computer:
nothing is sent anywhere.</p>
<div class="ways">
<div><h2>Take your first photo</h2><p>With this computer's camera: the page tells you how to sit and takes the photo by
itself.</p><a class="big" href="/capture">Take your first photo</a></div>
<div><h2>Add photos you already have</h2><p>Photos of your face from the front, from a phone or camera; their dates are
read from the photos.</p><a class="big" href="/photos?add=1">Add photos you already have</a></div>
<div><h2>Look at a demo</h2><p>Twelve weeks of example photos of someone else, to see what the pages show. They are kept
apart from your photos and take about ten seconds to make.</p>
<form method="post" action="/demo"><button class="big">Look at a demo</button></form></div>
</div>"""

NAV = (("/capture", "Capture"), ("/photos", "Photos"), ("/trends", "Trends"), ("/compare", "Before / after"), ("/report", "Report"), ("/settings", "Settings"))
_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def _globals() -> dict:
    """What a template may call to write a measure: the library's one way to write each."""
    from facetrack.metrics.labels import NOISE_MEANING, NOISE_NAME, VERDICT_MEANING, format_value, meaning
    from facetrack.report.changes import pair_change
    from facetrack.report.wording import failed_checks_sentence

    return {"format_value": format_value, "meaning": meaning, "pair_change": pair_change,
            "failed_checks_sentence": failed_checks_sentence, "noise_name": NOISE_NAME,
            "noise_meaning": NOISE_MEANING, "verdict_meaning": VERDICT_MEANING}


def render(title: str, body_template: str, *, profile: str, profiles, message: str | None = None,
           error: bool = False, **values) -> str:
    due, demo, tech = values.pop("due", None), values.pop("demo", False), values.pop("tech", None)
    body = _ENV.from_string(body_template).render(**{**_globals(), "demo": demo, **values})
    return _ENV.from_string(BASE).render(title=title, style=STYLE, nav=NAV, profile=profile, due=due, demo=demo,
                                         tech=tech, profiles=profiles, message=message, error=error, body=body)
