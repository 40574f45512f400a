"""Sectoral referents: who covers which territory and sectors, white zones, and the queues items are routed to."""
