"""Sectors: the controlled vocabulary of health and technology domains."""
