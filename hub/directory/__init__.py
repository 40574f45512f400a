"""Directory: the actors of the digital-health innovation network."""
