"""Is the store sound? The database's own integrity, every capture's photo present and
matching its SHA-256, and no photo that no capture refers to (an orphan).

``facetrack check`` prints the report; ``--repair`` removes orphans and nothing else. A
backup refuses a store with problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from facetrack.store.database import Store
from facetrack.files import sha256_of
from facetrack.store.images import IMAGES_DIR, is_image_rel


@dataclass
class CheckReport:
    captures: int = 0
    images: int = 0  # image files the captures refer to, present and matching their hash
    problems: list[str] = field(default_factory=list)  # what makes the store unsound
    orphans: list[str] = field(default_factory=list)  # image paths (relative) that nothing refers to

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self, limit: int = 5) -> str:
        """The problems in one line (the first ``limit``, and how many more)."""
        shown = "; ".join(self.problems[:limit])
        more = len(self.problems) - limit
        return shown + (f"; and {more} more" if more > 0 else "")


def check_store(store: Store, *, hashes: bool = True) -> CheckReport:
    """Check ``store``; with ``hashes``, every photo's bytes against its SHA-256."""
    report = CheckReport()
    errors = store.integrity_errors()
    if errors:
        report.problems.append(f"the database fails its integrity check ({len(errors)} faults, "
                               f"the first: {errors[0].strip()})")
    referenced = set()
    rows = store.image_rows()
    report.captures = len(rows)
    for cid, rel, sha in rows:
        if not is_image_rel(rel, sha):
            report.problems.append(f"capture {cid}: its stored image path {rel!r} is not images/ab/<sha256>.<ext>")
            continue
        referenced.add(rel)
        path = store.root / rel
        if not path.is_file():
            report.problems.append(f"capture {cid}: its photo {rel} is missing")
        elif hashes and sha256_of(path) != sha:
            report.problems.append(f"capture {cid}: its photo {rel} does not match its SHA-256 (changed or damaged)")
        else:
            report.images += 1
    busy = store.pending_files()
    folder = store.root / IMAGES_DIR
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        rel = path.relative_to(store.root).as_posix()
        if path.is_file() and not path.name.startswith(".") and rel not in referenced and rel not in busy:
            report.orphans.append(rel)
    return report


def remove_orphans(store: Store, report: CheckReport) -> int:
    """Remove the orphans ``report`` found (each only if still unused); return how many."""
    return sum(store.remove_orphan(rel) for rel in report.orphans if is_image_rel(rel))
