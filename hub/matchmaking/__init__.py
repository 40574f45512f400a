"""Matchmaking: suggest partners for a project and projects or partners for an actor."""
