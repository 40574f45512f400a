"""orientations."""
