"""Open data seeding the hub: shipped files in seed/data and pure parsers that turn them into records."""
