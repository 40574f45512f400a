"""advisers."""
