"""Projects: the catalogue of what the network's actors are building."""
