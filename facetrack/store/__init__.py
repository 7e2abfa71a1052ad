"""The store: SQLite plus a content-addressed images folder. Only this package runs SQL.

``database`` holds the ``Store``; ``schema`` its migrations; ``backup`` the verified
archive of a whole store. The record types it reads and writes live in ``facetrack.records``.
"""

from facetrack.store.database import DB_NAME, IMAGES_DIR, DuplicateCapture, Store, check_profile_name, default_data_dir
from facetrack.store.dates import DateCorrection
from facetrack.store.schema import PROFILE_RE

__all__ = ["DB_NAME", "IMAGES_DIR", "PROFILE_RE", "DateCorrection", "DuplicateCapture", "Store", "check_profile_name",
           "default_data_dir"]
