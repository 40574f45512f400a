"""Indexing: keeps the search index in step with the database through a transactional outbox."""
