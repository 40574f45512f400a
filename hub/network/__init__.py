"""The network view: the ego network of an actor or a project (partners, shared projects, twins), drawn and tabled."""
