"""One verdict and one figure per measure, read off the pages as a person sees them in
Chromium: the before/after page, the trends page, the report the app downloads, and
`facetrack compare --json` all give the same answers."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from facetrack.cli import main
from facetrack.metrics import ALL_METRICS
from facetrack.metrics.labels import format_change, format_noise
from test_app_browser import browser, page, playwright, server  # noqa: F401 (fixtures)
from test_figures import Page

BY_LABEL = {m.label: m for m in ALL_METRICS}


def cells(tab, table: str) -> dict[str, dict[str, str]]:
    """A page table's rows by measure label, each cell's visible text by its data-label."""
    out = {}
    for row in tab.locator(f"#{table} tr[data-metric]").all():
        texts = {c.get_attribute("data-label"): c.inner_text().strip() for c in row.locator("td").all()}
        out[texts.pop("measure").split("\n")[0]] = texts
    return out


def test_before_after_trends_report_and_compare_json_agree(page, server):  # noqa: F811
    url, _, root = server
    base = url.split("/photos")[0]
    page.goto(base + "/compare")
    pair = cells(page, "pair-table")
    verdict_line = page.locator("#verdict").inner_text()
    page.goto(base + "/trends?all=1")
    trends = cells(page, "trend-table")
    with page.expect_download() as download:
        page.goto(base + "/report")
        page.locator('a[href="/download/report.html"]').click()
    report = Page(open(download.value.path(), encoding="utf-8").read())
    found = json.loads(CliRunner().invoke(main, ["compare", "--json", "--profile", "demo", "--data-dir",
                                                 str(root)]).stdout)

    assert found["verdict"] in ("changed", "no change", "cannot tell")
    assert verdict_line.lower().startswith(found["verdict"])
    written = report.by_id["pair-verdict"].split(": ", 1)[1]  # "Between ... and ...: <the sentence>"
    assert verdict_line == written[:1].upper() + written[1:]
    table = report.rows("before-after")
    assert {m["label"] for m in found["measures"]} == set(pair) == set(table)
    for measure in found["measures"]:
        metric, shown, written = BY_LABEL[measure["label"]], pair[measure["label"]], table[measure["label"]]
        assert shown["verdict"] == written["verdict"] == measure["verdict"], measure["name"]
        if measure["verdict"] == "not measured":
            continue
        noise = format_noise(metric, measure["smallest_real_change"])
        change = format_change(metric, measure["change"])
        assert shown["change"] == written["change"] == change
        assert shown["smallest real change"] == written["smallest real change"] == noise
        # one figure per measure: the trends page gives the same smallest real change (its
        # default pair is this one, the baseline against the latest photo)
        assert trends[measure["label"]]["smallest real change"] == noise
    # the trends' answers: the page and the report agree, and a range excludes zero exactly
    # when its trend is beyond noise
    written = report.rows("trends")
    for label, row in trends.items():
        assert row["verdict"] == written[label]["verdict"], label
        numbers = [float(x) for x in re.findall(r"[-+]?\d+\.\d+", row["likely range"])]
        if row["verdict"] in ("beyond noise", "within noise"):
            assert len(numbers) == 2 and (numbers[0] > 0 or numbers[1] < 0) == (row["verdict"] == "beyond noise")
    beyond = [label for label, row in trends.items() if row["verdict"] == "beyond noise"]
    lines = report.items.get("beyond-trend", [])
    assert len(lines) == len(beyond) and all(any(line.startswith(label + ": ") for line in lines) for label in beyond)


def test_the_skin_measures_show_in_plain_words_with_their_verdicts(page, server):  # noqa: F811
    """Issue 34 in Chromium: the trends page has a Skin section whose charts and rows carry the
    skin measures' plain names; before/after gives each of them a verdict in words."""
    from facetrack.metrics import SKIN
    from facetrack.metrics.labels import GROUP_LABELS

    base = server[0].split("/photos")[0]
    page.goto(base + "/trends")
    text = page.locator("main").inner_text()
    assert GROUP_LABELS["skin"] in text
    for m in SKIN:
        assert m.label in text and m.name not in text
    page.goto(base + "/compare")
    rows = cells(page, "pair-table")
    for m in SKIN:
        assert rows[m.label]["verdict"] in ("beyond noise", "within noise", "not measured", "cannot tell")
