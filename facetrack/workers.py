"""Worker processes for parallel import: one Measurer (and landmarker) per process.

``start`` runs once in each worker (the pool's initializer) and keeps that worker's
Measurer for its lifetime; ``measure_file`` reads and measures one photo there. This
module-level slot exists only inside worker processes.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from .errors import InputError

_MEASURER = None  # this worker process's Measurer, set by ``start``


def start(model_path: str) -> None:
    global _MEASURER
    from .measure import Measurer

    _MEASURER = Measurer(model_path)


def measure_file(path: str):
    """(photo, sha256, PhotoMeasurement) of one file, or the InputError saying why not."""
    from .capture.photo import read_photo

    try:
        photo = read_photo(path)
        result = _MEASURER.measure_photo(photo.image, source=path)
    except InputError as exc:
        return exc
    # read-only mapping proxies do not pickle: send plain dicts back
    views = tuple(replace(v, blendshapes=dict(v.blendshapes)) for v in result.views)
    return photo, hashlib.sha256(photo.data).hexdigest(), replace(result, views=views)
