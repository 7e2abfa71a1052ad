"""`facetrack app`: the local web app (photos, trends, before/after, report) over the library."""
