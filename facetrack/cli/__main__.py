"""`python -m facetrack.cli`: the same as the `facetrack` command."""

from facetrack.cli import main

main()
