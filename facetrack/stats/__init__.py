"""Statistics over stored captures: trends, each profile's own noise (repeatability), the
before/after comparison and when the next capture is due. Pure functions over records."""
