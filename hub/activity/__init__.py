"""Live activity: what happens in the network (new actors and projects, merges, introductions, experiments, hours)."""
