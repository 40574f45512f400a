"""Lab e-santé hub."""
