"""Shared by the benchmarks: whole-process timing with peak memory, and the machine's description."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE_S = 0.02


@dataclass(frozen=True)
class Run:
    """One whole process, as a user runs it."""

    seconds: float
    peak_mb: float  # peak resident memory of the process and its descendants (see ``run_measured``)
    returncode: int
    stdout: str
    stderr: str


def descendants(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    kids = [int(k) for k in text.split()]
    return kids + [g for k in kids for g in descendants(k)]


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_measured(cmd: list[str], **kwargs) -> Run:
    """Run ``cmd`` to completion; its wall time and peak memory.

    Peak memory is read from Linux's /proc every 20 ms: the larger of the process's own
    high-water mark (VmHWM, exact up to the last sample) and the peak of the summed
    resident memory (VmRSS) of the process and all its descendants (helper processes).
    The kernel's ru_maxrss is not used: it counts the memory of the forking parent before
    exec. Elsewhere the peak is 0 (unknown).
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True, **kwargs)
        peak_kb = 0
        while True:
            pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            tree = sum(_status_kb(p, "VmRSS") for p in [proc.pid, *descendants(proc.pid)])
            peak_kb = max(peak_kb, tree, _status_kb(proc.pid, "VmHWM"))
            time.sleep(SAMPLE_S)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(seconds, peak_kb / 1024.0, proc.returncode, out.read(), err.read())


def machine() -> dict[str, object]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        mem_gb = float("nan")
    from importlib.metadata import version

    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem_gb, 1),
            "os": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
            "mediapipe": version("mediapipe"), "opencv": version("opencv-contrib-python")}


def framed(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """The image scaled to 80 % of the frame's height, centred on a grey frame."""
    import cv2

    canvas = np.full((height, width, 3), 128, np.uint8)
    scale = 0.8 * height / image.shape[0]
    face = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    y0, x0 = (height - face.shape[0]) // 2, (width - face.shape[1]) // 2
    canvas[y0:y0 + face.shape[0], x0:x0 + face.shape[1]] = face
    return canvas


def portrait_photos(folder: Path, n: int, *, size: tuple[int, int] | None = None, seed: int = 11) -> list[Path]:
    """``n`` distinct JPEGs of grace_hopper with capture-like changes (small rotation, scale,
    brightness), dated a week apart; at its own size, or ``framed`` in a (width, height) frame."""
    from facetrack.demo import portrait, write_jpeg
    from facetrack.lab.warps import CaptureConditions

    rng = np.random.default_rng(seed)
    image = portrait()
    folder.mkdir(parents=True, exist_ok=True)
    photos = []
    for i in range(n):
        photo = CaptureConditions.random(rng).apply(image)
        if size is not None:
            photo = framed(photo, *size)
        photos.append(write_jpeg(photo, folder / f"p{i:03d}.jpg", 90,
                                 dt.datetime(2026, 1, 1) + dt.timedelta(weeks=i)))
    return photos


def sd_interval(sd: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Confidence interval of a standard deviation estimated from ``n`` independent values.

    Chi-square based: sd x sqrt((n-1) / q) for the upper and lower ``level`` quantiles q of a
    chi-square with n-1 degrees of freedom. With n = 12 the 95 % interval is 0.71-1.70 x sd;
    with n = 24 it is 0.78-1.40 x sd.
    """
    from scipy.special import chdtri  # inverse survival function of the chi-square

    if n < 2:
        raise ValueError(f"an SD needs at least 2 values, got {n}")
    dof = n - 1
    tail = (1.0 - level) / 2.0
    return (float(sd * np.sqrt(dof / chdtri(dof, tail))), float(sd * np.sqrt(dof / chdtri(dof, 1.0 - tail))))


def verdict(value_interval: tuple[float, float], target: float) -> str:
    """'met' when the whole interval is at or below the target, 'missed' when it is above,
    'unclear' when the target lies inside it."""
    lo, hi = value_interval
    if hi <= target:
        return "met"
    if lo > target:
        return "missed"
    return "unclear"


#: The real clips, shared by the tests and the benchmarks (tests/data, see its README).
SHARED_DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
#: single_face.mp4 at 30 fps: frames 0-17 neutral (smile score 0.00), 19-69 smiling (0.68-0.91).
#: Frames 0-1 are left out of the neutral loop: a video-mode tracker is still settling there.
WEBCAM_NEUTRAL = range(2, 18)
WEBCAM_SMILING = range(22, 69)


def long_neutral_webcam_clip(source: Path, path: Path, *, neutral_frames: int = 120) -> Path:
    """A real webcam clip with a long neutral stretch, then the same man smiling.

    The shared clip's own neutral start (18 frames, 0.6 s) is shorter than a default capture
    needs (0.7 s hold + a 15-frame burst = 36 frames at 30 fps), so every default capture of
    it is refused, whatever the model's version. Here its neutral frames play back and forth
    for ``neutral_frames`` frames (4 s by default), then its smiling frames follow: a capture
    must take its burst from the neutral part, with a wide margin on every side.
    """
    import cv2

    from facetrack.capture.sources import video_frames

    frames = [f.image for f in video_frames(source)]
    loop = list(WEBCAM_NEUTRAL) + list(WEBCAM_NEUTRAL)[-2:0:-1]
    order = [loop[i % len(loop)] for i in range(neutral_frames)] + list(WEBCAM_SMILING)
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (w, h))
    assert writer.isOpened()
    for i in order:
        writer.write(cv2.cvtColor(frames[i], cv2.COLOR_RGB2BGR))
    writer.release()
    return path

