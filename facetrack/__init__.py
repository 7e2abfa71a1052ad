"""facetrack: a local, private, measurement-grade face progress tracker.

Data flows one way: source -> frame -> landmarks -> metrics -> store -> report.
Importing this package does no work and imports no heavy dependency.
"""

__version__ = "0.1.0"
