"""`facetrack app`: the local web app (photos, trends, before/after, report) over the library.

The module layout (one module per page, ``routes`` builds every URL, shared state on
``app.state``) is described in ``facetrack.app.server``."""
