"""Capture: photo files, frame sources (camera, video file, image folder), camera calibration,
quality gates, the guidance overlay and the live session loop. Never touches the store."""
