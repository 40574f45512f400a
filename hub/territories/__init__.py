"""Territories: régions and départements, and the map drawn from their geometry."""
