"""One figure per measure and period, on the demo store: the report's summary sentences, its
"changed beyond noise" lines, its trends and before/after tables, the charts' captions (PNG and
SVG) and the before/after caption give each change with the same number in the same unit, and
that number is the one the statistics give. Captures taken with failed checks are drawn
differently and named; the report's visible text has no internal names or bare jargon."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from html.parser import HTMLParser

import numpy as np
import pytest

from facetrack.metrics import ALL_METRICS, get_metric
from facetrack.metrics.labels import NOISE_MEANING, format_change, format_noise, format_value
from facetrack.report.summary import MAX_NAMED
from facetrack.stats.compare import judge_pair
from facetrack.stats.noise import profile_noise
from facetrack.stats.trends import days_since
from facetrack.stats.verdicts import trend_verdicts
from facetrack.store import Store

from test_words import JARGON

LABELS = {m.label: m for m in ALL_METRICS}


class Page(HTMLParser):
    """The parts of a report a test reads: text by element id, tables by id (rows of cell
    texts), and the visible text (outside <details>, <style> and <title>)."""

    def __init__(self, html: str):
        super().__init__()
        self.by_id: dict[str, str] = {}
        self.items: dict[str, list[str]] = {}
        self.tables: dict[str, list[list[str]]] = {}
        self.visible: list[str] = []
        self._open: list[tuple[str, str | None]] = []
        self._hidden = 0
        self._table = self._cell = self._item = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        ident = dict(attrs).get("id")
        if tag in ("details", "style", "title"):
            self._hidden += 1
        if tag in ("p", "li", "tr", "h1", "h2", "h3", "td", "th"):
            self.visible.append("\n")
        self._open.append((tag, ident))
        if ident:
            self.by_id[ident] = ""
        if tag == "table":
            self._table = self.tables.setdefault(ident or f"table{len(self.tables)}", [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._table[-1].append("")
            self._cell = True
        elif tag == "ul":
            self._item = self.items.setdefault(ident or f"ul{len(self.items)}", [])
        elif tag == "li" and self._item is not None:
            self._item.append("")

    def handle_endtag(self, tag):
        if tag in ("details", "style", "title"):
            self._hidden -= 1
        while self._open and self._open[-1][0] != tag:
            self._open.pop()
        if self._open:
            self._open.pop()
        if tag == "table":
            self._table = None
        elif tag in ("td", "th"):
            self._cell = None
        elif tag == "ul":
            self._item = None

    def handle_data(self, data):
        if not self._hidden:
            self.visible.append(data)
        for _, ident in self._open:
            if ident:
                self.by_id[ident] += data
        if self._cell:
            self._table[-1][-1] += data.strip() if not self._table[-1][-1] else " " + data.strip()
        if self._item is not None and self._item and any(t == "li" for t, _ in self._open):
            self._item[-1] += data

    def rows(self, table: str) -> dict[str, dict[str, str]]:
        """A table's rows by their first cell, each a dict by column header."""
        head, *body = self.tables[table]
        return {row[0]: dict(zip(head, row)) for row in body}


@pytest.fixture(scope="module")
def demo(demo_dir):
    with Store.open(demo_dir[0]) as store:
        captures = store.captures("demo")
        views = {c.id: store.landmark_views(c.id) for c in (captures[0], captures[-1])}
    return captures, views


@pytest.fixture(scope="module")
def report(demo, topology):
    from facetrack.report.html import render_report

    captures, views = demo
    return Page(render_report(captures, views, topology, profile="demo", baseline_id=captures[0].id))


def weeks_of(captures) -> str:
    span = np.ptp(days_since([c.taken_at for c in captures]))
    return f"{round(span / 7)} weeks"


def test_each_summary_sentence_gives_the_trends_tables_number_and_unit(report, demo):
    captures, _ = demo
    summary = report.by_id["summary"]
    found = re.search(r"Over (\d+ weeks): (.+?), (?:each )?more than the noise\.", summary)
    assert found, summary
    period, named = found.groups()
    assert period == weeks_of(captures) == "11 weeks"
    table = report.rows("trends")
    header = f"change over {period}"
    assert header in next(iter(table.values()))  # the table's period is the sentence's
    parts = re.sub(r"; and \d+ more$", "", named).split("; ")
    assert 1 <= len(parts) <= MAX_NAMED
    for part in parts:
        said = re.fullmatch(r"(?P<label>.+) (?P<way>rose|fell) (?P<number>\d+\.\d+)(?P<unit>°| .+)", part)
        assert said, part
        row = table[said["label"]]
        sign = "+" if said["way"] == "rose" else "-"
        assert row[header] == f"{sign}{said['number']}{said['unit']}", (part, row)
        assert row["verdict"] == "beyond noise"
    beyond = [label for label, row in table.items() if row["verdict"] == "beyond noise"]
    more = re.search(r"; and (\d+) more$", named)
    assert len(beyond) == len(parts) + (int(more[1]) if more else 0)
    # the demo's known change: the cheeks widen (and, by geometry, the lower-face taper moves)
    assert {"Cheek fullness (left)", "Cheek fullness (right)", "Mid-face width"} <= set(beyond)


def test_the_trends_tables_change_is_the_fitted_change_over_the_whole_period(report, demo):
    captures, _ = demo
    table = report.rows("trends")
    header = f"change over {weeks_of(captures)}"
    found = trend_verdicts(captures, profile_noise(captures))
    for metric in ALL_METRICS:
        row = table[metric.label]
        values = [c.metrics[metric.name].value if metric.name in c.metrics else np.nan for c in captures]
        days = {c.taken_at.date() for c, v in zip(captures, values) if np.isfinite(v)}
        if not days:
            assert row[header] == "-" and row["verdict"] == "not measured"
            continue
        if len(days) < 3:
            assert row[header] == "too few photos"
            continue
        trend = found[metric.name]
        fit = np.polyfit(days_since([c.taken_at for c in captures])[np.isfinite(values)],
                         np.array(values)[np.isfinite(values)], 1)
        assert trend.change == pytest.approx(fit[0] * trend.span_days)
        assert row[header] == format_change(metric, trend.change), metric.name
        assert row["likely range"] == (f"{format_change(metric, trend.low, with_unit=False)} to "
                                       f"{format_change(metric, trend.high)}")
        assert row["verdict"] == trend.verdict
        assert (trend.low > 0 or trend.high < 0) == (trend.verdict == "beyond noise")


def test_the_before_after_table_gives_the_difference_of_the_two_captures(report, demo):
    captures, _ = demo
    first, last = captures[0], captures[-1]
    table = report.rows("before-after")
    assert set(table) == {m.label for m in ALL_METRICS if m.name in first.metrics or m.name in last.metrics}
    verdict = judge_pair(captures, first, last)
    for label, row in table.items():
        metric = LABELS[label]
        if metric.name not in first.metrics or metric.name not in last.metrics:
            assert row["verdict"] == "not measured" and row["change"] == "-"
            continue
        a, b = first.metrics[metric.name], last.metrics[metric.name]
        assert (row["before"], row["after"]) == (format_value(metric, a.value), format_value(metric, b.value))
        assert row["change"] == format_change(metric, b.value - a.value)
        noise = verdict.measure(metric.name).smallest_real_change
        assert row["smallest real change"] == format_noise(metric, noise)
        assert row["verdict"] == ("beyond noise" if abs(b.value - a.value) > noise else "within noise")


def split_label(line: str, labels) -> tuple[str, str]:
    """A "<label>: <rest>" line's label (one of ``labels``; a label may hold ": " itself, as
    "Silhouette: face width at 55 %" does) and its rest."""
    label = max((k for k in labels if line.startswith(f"{k}: ")), key=len)
    return label, line[len(label) + 2:]


def test_each_changed_beyond_noise_line_gives_its_tables_number(report, demo):
    captures, _ = demo
    first, last = captures[0], captures[-1]
    trends, pair = report.rows("trends"), report.rows("before-after")
    pair_lines, trend_lines = report.items.get("beyond-pair", []), report.items.get("beyond-trend", [])
    assert trend_lines  # the demo's known change
    # one list per family: the pair's and the trends', never pooled
    assert {split_label(line, pair)[0] for line in pair_lines} == {k for k, r in pair.items()
                                                                   if r["verdict"] == "beyond noise"}
    assert {split_label(line, trends)[0] for line in trend_lines} == {k for k, r in trends.items()
                                                                      if r["verdict"] == "beyond noise"}
    for line in pair_lines:
        label, rest = split_label(line, pair)
        assert rest.startswith(f"{pair[label]['change']}, more than its smallest real change of "
                               f"{pair[label]['smallest real change']}")
    for line in trend_lines:
        label, rest = split_label(line, trends)
        number = rest.split(" over ", 1)[0]
        assert number == trends[label][f"change over {weeks_of(captures)}"] and " over 11 weeks" in rest
        assert trends[label]["likely range"] in rest


def test_the_charts_captions_give_the_tables_numbers(report, demo):
    from facetrack.report.charts import panel_series, trend_figure
    from facetrack.report.svg_chart import panel_svg

    captures, _ = demo
    table = report.rows("trends")
    header = f"change over {weeks_of(captures)}"
    fig = trend_figure(captures, metrics=ALL_METRICS)
    legends = {line.get_gid(): line.get_label() for ax in fig.axes for line in ax.lines if line.get_gid()}
    for panel in panel_series(captures, metrics=ALL_METRICS):
        row, metric = table[panel.metric.label], panel.metric
        svg = panel_svg(panel)
        note = re.search(r'<text class="note" x="8" y="29">([^<]+)</text>', svg)[1]
        noise = re.search(r'<text class="note" x="8" y="42">([^<]+)</text>', svg)[1]
        if row[header] in ("too few photos", "-"):
            assert f"trend:{metric.name}" not in legends and note.startswith("no trend yet")
            continue
        range_numbers = row["likely range"].removesuffix(metric.unit.symbol).rstrip()
        assert legends[f"trend:{metric.name}"] == f"trend: {row[header]} over 11 weeks (range {row['likely range']})"
        assert note == f"change over 11 weeks: {row[header]} (likely {range_numbers})"
        assert noise == f"smallest real change: {row['smallest real change']}"
        if np.isfinite(panel.level):
            band = next(p.get_label() for ax in fig.axes for p in ax.patches if p.get_gid() == f"noise:{metric.name}")
            assert band == f"baseline ± smallest real change ({row['smallest real change']})"
        axis = re.search(r'rotate\(-90\)" text-anchor="middle">([^<]+)<', svg)[1]
        assert axis == metric.unit.axis and fig.axes and not JARGON.search(note + noise + axis)


def test_the_before_after_caption_gives_the_tables_numbers(report, demo, topology):
    from facetrack.report.pictures import align_photo, before_after_figure
    captures, views = demo
    first, last = captures[0], captures[-1]
    aligned = [align_photo(c, views[c.id], topology) for c in (first, last)]
    fig = before_after_figure(*aligned, topology, judge_pair(captures, first, last))
    caption = " ".join(fig._suptitle.get_text().split("\n")[1:])
    table = report.rows("before-after")
    beyond = [label for label, row in table.items() if row["verdict"] == "beyond noise"]
    if not beyond:
        assert caption == "no change: no measure changed beyond noise."
        return
    assert caption.startswith(f"beyond noise from {first.taken_at.date()} to {last.taken_at.date()}: ")
    for label in beyond[:3]:
        assert f"{label} {table[label]['change']}" in caption
    assert (f"and {len(beyond) - 3} more" in caption) == (len(beyond) > 3)
    assert not JARGON.search(caption)


def test_the_reports_visible_text_has_no_internal_names_or_bare_jargon(report):
    text = "".join(report.visible)
    assert "facetrack report: demo" in text and "Caveats" in text
    found = sorted(set(m.group(0) for m in JARGON.finditer(text)))
    assert not found, found
    assert "smallest real change" in text and NOISE_MEANING in text
    for metric in ALL_METRICS:  # every measure explained, in words
        assert metric.meaning in text and metric.unit.words in text


def test_the_silhouette_counts_agree_with_each_captures_notes(report, demo):
    from facetrack.stats.silhouette import silhouette_state

    captures, _ = demo
    states = [silhouette_state(c) for c in captures]
    with_values = sum(not s.none for s in states)
    assert f"the outline against the wall measured on {with_values} of {len(captures)} photos" in "".join(report.visible).lower()
    rows = report.rows("captures")
    for capture, state in zip(captures, states):
        assert state.text in rows[str(capture.id)]["notes"]
        assert not JARGON.search(state.text)
    assert with_values == len(captures)  # the demo's plain wall behind him: every capture has them


# --- captures taken with failed checks ------------------------------------------------------

@pytest.fixture(scope="module")
def with_failed(demo_dir, tmp_path_factory):
    """A copy of the demo whose latest capture was taken with Capture now while smiling, and
    whose other captures passed every check (the demo's photos are imports: the still-photo
    model reads this man's resting brows just above the brows check, so they are flagged)."""
    root = tmp_path_factory.mktemp("failed") / "demo"
    shutil.copytree(demo_dir[0], root)
    with Store.open(root) as store:
        *others, last = store.captures("demo")
        for c in others:
            store.set_quality(c.id, replace(c.quality, failed_gates=()))
        store.set_quality(last.id, replace(last.quality, manual=True, failed_gates=("no_smile",)))
        captures = store.captures("demo")
        views = {c.id: store.landmark_views(c.id) for c in (captures[0], captures[-1])}
    return captures, views


def test_the_report_names_the_captures_taken_with_failed_checks(with_failed, topology):
    from facetrack.report.html import render_report

    captures, views = with_failed
    last = captures[-1]
    page = Page(render_report(captures, views, topology, profile="demo"))
    note = page.by_id["failed-checks"]
    assert f"the photo of {last.taken_at.date()} (smiling)" in note and "less comparable" in note
    assert "taken with failed checks: smiling" in page.rows("captures")[str(last.id)]["notes"]
    assert f"Photo of {last.taken_at.date()}: smiling: taken with failed checks, so less comparable" in "".join(page.visible)
    assert "Hollow points: photos taken with failed checks." in "".join(page.visible)


def test_a_capture_taken_with_failed_checks_is_hollow_in_the_charts(with_failed):
    from facetrack.report.charts import panel_series, trend_figure
    from facetrack.report.svg_chart import panel_svg
    from facetrack.report.wording import FAILED_LEGEND

    captures, _ = with_failed
    last = captures[-1]
    fig = trend_figure(captures)
    for ax in (a for a in fig.axes if a.get_visible()):
        name = ax.get_gid().split(":", 1)[1]
        (line,) = [x for x in ax.lines if x.get_gid() == f"failed:{name}"]
        assert line.get_label() == FAILED_LEGEND and line.get_markerfacecolor() == "white"
        assert list(line.get_xdata()) == [last.taken_at]
        assert line.get_ydata()[0] == pytest.approx(last.metrics[name].value * get_metric(name).unit.factor)
    panel = panel_series(captures, metrics=[get_metric("midface_width_ratio")])[0]
    svg = panel_svg(panel)
    hollow = re.findall(r'<g class="point"[^>]*data-capture="(\d+)"[^>]*data-failed="([^"]+)"[^>]*>'
                        r'[^<]*(?:<path class="bar"[^>]*/>)?<path class="marker failed"', svg)
    assert hollow == [(str(last.id), "smiling")]
    assert svg.count('class="marker failed"') == 2  # the point and its legend line
    assert 'taken with failed checks</text>' in svg
    plain = panel_svg(panel_series(captures[:-1], metrics=[get_metric("midface_width_ratio")])[0])
    assert "failed" not in plain


def test_a_photo_taken_with_failed_checks_is_framed_in_the_before_after_figure(with_failed, topology):
    from facetrack.report.pictures import align_photo, before_after_figure

    captures, views = with_failed
    first, last = captures[0], captures[-1]
    aligned = [align_photo(c, views[c.id], topology) for c in (first, last)]
    fig = before_after_figure(*aligned, topology)
    left, right = fig.axes
    assert [p.get_gid() for p in right.patches] == [f"failed:{last.id}"] and not left.patches
    assert right.get_title().endswith("taken with failed checks: smiling")
    assert "failed" not in left.get_title()
