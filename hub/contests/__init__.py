"""Workshops and contests run by the lab: needs addressed, calendar, grid, resources, jury, public follow-ups."""
