"""referents."""
