"""Pictures of captures: aligned crops, the before/after figure, the flicker GIF, the time-lapse.

Photos are aligned by a similarity transform (rotation, scale, shift; never a warp of the
face's shape) on stable landmarks (eye corners, nose ridge) into one standard crop, so two
captures can be compared by eye. The landmarks used are the median over the capture's
views of its kept photo, which is steadier than one detection. Functions return images or
Figures; only the ``write_*`` functions touch files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from facetrack.detect.outline import photo_views
from facetrack.report.align import Crop, alignment, apply_affine
from facetrack.report.changes import pair_change
from facetrack.report.wording import failed_checks, pair_sentence
from facetrack.errors import ReportError
from facetrack.records import Capture, LandmarkView
from facetrack.topology import FaceTopology

BEFORE_STYLE = {"color": "#d55e00", "linestyle": "--", "label": "before"}  # orange, dashed
AFTER_STYLE = {"color": "#0072b2", "linestyle": "-", "label": "after"}  # blue, solid


@dataclass(frozen=True)
class AlignedPhoto:
    capture: Capture
    image: np.ndarray  # (crop.height, crop.width, 3) RGB
    points: np.ndarray  # (478, 2) landmarks in the crop's pixels


def photo_points(capture: Capture, views: Sequence[LandmarkView]) -> np.ndarray:
    """The capture's landmarks on its stored photo: the median over the views of that photo."""
    same = photo_views(capture, views)
    if not same:
        raise ReportError(f"capture {capture.id} has no stored landmarks")
    return np.median(np.stack([np.asarray(v.points, np.float64) for v in same]), axis=0)


def read_rgb(path: Path) -> np.ndarray:
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as img:
            return np.asarray(ImageOps.exif_transpose(img).convert("RGB"))
    except (OSError, ValueError) as exc:
        raise ReportError(f"{path}: the capture's photo cannot be read ({exc})") from None


def thumbnail_jpeg(path: Path, width: int = 240) -> bytes:
    """A small JPEG of the photo at ``path`` (``width`` pixels wide at most, upright)."""
    import io

    from PIL import Image, ImageOps

    try:
        with Image.open(path) as img:
            img.draft("RGB", (width, width * 4))  # a JPEG decodes at a fraction of its size: fast
            small = ImageOps.exif_transpose(img).convert("RGB")
            small.thumbnail((width, width * 4))
    except (OSError, ValueError) as exc:
        raise ReportError(f"{path}: the capture's photo cannot be read ({exc})") from None
    buf = io.BytesIO()
    small.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def align_photo(capture: Capture, views: Sequence[LandmarkView], topology: FaceTopology,
                crop: Crop = Crop(), image: np.ndarray | None = None) -> AlignedPhoto:
    import cv2

    image = read_rgb(capture.image_path) if image is None else image
    points = photo_points(capture, views)
    m = alignment(points, topology, crop)
    out = cv2.warpAffine(image, m, (crop.width, crop.height), flags=cv2.INTER_AREA,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
    return AlignedPhoto(capture, out, apply_affine(m, points))


def _outline(ax, points, topology, style):
    line = points[topology.idx("lower_oval")]
    ax.plot(line[:, 0], line[:, 1], linewidth=1.6, **style)


def silhouette_lines(mask: np.ndarray, photo: AlignedPhoto, topology: FaceTopology) -> list[np.ndarray]:
    """The silhouette's trustworthy edge points on each side of the lower face (rows from 25 to
    85 % of the way from the eyes to the chin), in the aligned crop's pixels: (N, 2) each."""
    from facetrack.metrics.silhouette import face_axes, find_edge, row_centre

    axes = face_axes(photo.points, topology)
    lines = []
    for side in (-1, 1):
        points = []
        for fraction in np.arange(0.25, 0.86, 0.05):
            edge = find_edge(mask, photo.image, photo.points, topology, axes, fraction, side)
            if edge.distance is not None:
                points.append(row_centre(axes, fraction) + side * edge.distance * axes.across)
        if len(points) >= 2:
            lines.append(np.array(points))
    return lines


def photo_silhouettes(before: AlignedPhoto, after: AlignedPhoto, topology: FaceTopology):
    """Both photos' silhouette edges (``silhouette_lines``), from the person segmentation model."""
    from facetrack.detect.segmentation import Segmenter

    with Segmenter() as segmenter:
        return tuple(silhouette_lines(segmenter.person_mask(p.image), p, topology) for p in (before, after))


def before_after_figure(before: AlignedPhoto, after: AlignedPhoto, topology: FaceTopology,
                        verdict=None, silhouettes=None):
    """Side by side, with dates; both lower-face outlines (jaw and cheeks) over the later photo,
    and, given ``silhouettes`` (``photo_silhouettes``), both silhouette edges where the
    background let them be seen. The caption names what changed beyond noise
    (``pair_caption``); a photo taken with failed checks has a dashed frame and its checks
    under its date.

    The outlines differ in colour and in line style (dashed before, solid after; the
    silhouettes dotted before, dash-dot after), so the figure also reads in greyscale.
    ``verdict``: the pair's ``verdicts.PairVerdict`` (None: no caption line of verdicts).
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    import textwrap

    caption = ["Before / after, aligned on the eye corners and nose",
               *(textwrap.wrap(pair_caption(verdict), 105) if verdict is not None else [])]
    title_lines = 2 if any(failed_checks(p.capture) for p in (before, after)) else 1
    fig = Figure(figsize=(9, 5.8))
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.08, wspace=0.04,
                        top=1 - (0.2 + 0.16 * len(caption) + 0.18 * title_lines) / 5.8)
    left, right = fig.subplots(1, 2)
    for ax, photo, tag in ((left, before, "before"), (right, after, "after")):
        ax.imshow(photo.image)
        title = f"{tag}: the photo of {photo.capture.taken_at.date().isoformat()}"
        problems = failed_checks(photo.capture)
        if problems:  # a dashed frame and the checks in words: less comparable
            title += f"\ntaken with failed checks: {', '.join(problems)}"
            ax.add_patch(Rectangle((0, 0), 1, 1, transform=ax.transAxes, fill=False, edgecolor="#d55e00",
                                   linestyle="--", linewidth=2.5, gid=f"failed:{photo.capture.id}"))
        ax.set_title(title, fontsize=10 if not problems else 9)
        ax.set_axis_off()
    _outline(right, before.points, topology, {**BEFORE_STYLE, "label": f"outline {before.capture.taken_at.date()}"})
    _outline(right, after.points, topology, {**AFTER_STYLE, "label": f"outline {after.capture.taken_at.date()}"})
    for lines, photo, style in zip(silhouettes or (), (before, after), (BEFORE_STYLE, AFTER_STYLE)):
        for i, line in enumerate(lines):
            right.plot(line[:, 0], line[:, 1], linewidth=1.2, color=style["color"],
                       linestyle=":" if photo is before else "-.", marker=".", markersize=3,
                       label=f"silhouette {photo.capture.taken_at.date()}" if i == 0 else None)
    right.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=8, frameon=False)  # under the photo
    fig.suptitle("\n".join(caption), fontsize=9)
    return fig


def pair_caption(verdict, named: int = 3) -> str:
    """The before/after figure's caption: the pair's verdict (``verdicts.PairVerdict``), with
    what changed beyond noise, each as ``changes.pair_change`` gives it ("Cheek fullness
    (left) +0.19 % (area)")."""
    before, after = verdict.before, verdict.after
    beyond = [pair_change(c, before, after) for c in verdict.measures if c.beyond_noise]
    if not beyond:
        return pair_sentence(verdict)
    return (f"beyond noise {beyond[0].period}: " + ", ".join(f"{f.metric.label} {f.text}" for f in beyond[:named])
            + (f" and {len(beyond) - named} more" if len(beyond) > named else ""))


def _caption(image: np.ndarray, text: str) -> np.ndarray:
    import cv2

    out = image.copy()
    h, w = out.shape[:2]
    cv2.rectangle(out, (0, h - 34), (w, h), (0, 0, 0), -1)
    cv2.putText(out, text, (10, h - 11), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 2, cv2.LINE_AA)
    return out


def flicker_frames(before: AlignedPhoto, after: AlignedPhoto) -> list[np.ndarray]:
    return [_caption(p.image, f"{tag} {p.capture.taken_at.date().isoformat()}")
            for p, tag in ((before, "before"), (after, "after"))]


def gif_bytes(frames: Sequence[np.ndarray], *, duration_ms: int = 700) -> bytes:
    """An endlessly looping animated GIF of the frames."""
    import io

    from PIL import Image

    images = [Image.fromarray(f) for f in frames]
    buf = io.BytesIO()
    images[0].save(buf, "GIF", save_all=True, append_images=images[1:], duration=duration_ms, loop=0)
    return buf.getvalue()


def write_timelapse(photos: Sequence[AlignedPhoto], path: str | Path, *, seconds_per_capture: float = 0.5) -> Path:
    """An MP4 of the aligned captures in time order, each with its date."""
    import cv2

    if len(photos) < 2:
        raise ReportError(f"a time-lapse needs at least 2 captures, this profile has {len(photos)}")
    path = Path(path)
    if path.suffix.lower() not in (".mp4", ".avi"):
        raise ReportError(f"{path}: use a .mp4 (or .avi) file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    h, w = photos[0].image.shape[:2]
    fps = 10
    fourcc = cv2.VideoWriter_fourcc(*("mp4v" if path.suffix.lower() == ".mp4" else "MJPG"))
    writer = cv2.VideoWriter(str(path), fourcc, fps, (w, h))
    if not writer.isOpened():
        raise ReportError(f"{path}: cannot write a video here")
    try:
        for i, photo in enumerate(photos):
            frame = _caption(photo.image, f"{photo.capture.taken_at.date().isoformat()}  ({i + 1}/{len(photos)})")
            bgr = cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)
            for _ in range(max(1, round(seconds_per_capture * fps))):
                writer.write(bgr)
    finally:
        writer.release()
    return path
