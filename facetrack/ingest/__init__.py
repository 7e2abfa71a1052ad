"""Ingest: taking photos and captures into the store. Photo import (in parallel processes),
the guided capture's burst, repeated captures for a calibration, and recomputing stored metrics."""
