"""Legends never over data (issue 33): the trend chart's legends sit below their panels, clear
of every plot area and of each other."""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg

from facetrack.report.charts import trend_figure
from facetrack.store import Store


def overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_no_legend_covers_a_plot_or_another_legend(demo_dir):
    from facetrack.metrics import ALL_METRICS

    with Store.open(demo_dir[0], read_only_ok=True) as store:
        captures = store.captures("demo")
    for metrics in (None, ALL_METRICS):
        fig = trend_figure(captures, metrics=metrics, baseline_id=captures[0].id)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        axes = [ax for ax in fig.axes if ax.get_visible()]
        plots = [ax.get_window_extent(renderer) for ax in axes]
        legends = [ax.get_legend().get_window_extent(renderer) for ax in axes]
        page = fig.bbox
        for i, legend in enumerate(legends):
            assert legend.x0 >= page.x0 - 1 and legend.x1 <= page.x1 + 1 and legend.y0 >= page.y0 - 1, i
            assert not any(overlap(legend, plot) for plot in plots), (axes[i].get_gid(), legend)
            assert not any(overlap(legend, other) for j, other in enumerate(legends) if j != i), axes[i].get_gid()


def test_the_before_after_legend_sits_under_the_photos(demo_dir, topology):
    from facetrack.report.pictures import align_photo, before_after_figure, photo_silhouettes

    with Store.open(demo_dir[0], read_only_ok=True) as store:
        captures = store.captures("demo")
        pair = [align_photo(c, store.landmark_views(c.id), topology) for c in (captures[0], captures[-1])]
    fig = before_after_figure(*pair, topology, None, photo_silhouettes(*pair, topology))
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    left, right = fig.axes[:2]
    legend = right.get_legend().get_window_extent(renderer)
    assert len(right.get_legend().get_texts()) >= 2
    assert not overlap(legend, left.get_window_extent(renderer)) and not overlap(legend, right.get_window_extent(renderer))
    assert legend.y0 >= fig.bbox.y0 - 1  # on the figure
    assert all("capture" not in ax.get_title() for ax in (left, right))  # each photo named by its date
