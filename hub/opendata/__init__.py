"""Open data: the public catalogue (actors, projects) as streamed CSV, JSON and GeoJSON, with its dictionary."""
