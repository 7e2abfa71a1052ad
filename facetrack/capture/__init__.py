"""Capture: photo files, frame sources (camera, video file, image folder) and quality gates."""
