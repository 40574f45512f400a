"""Change log: who changed what on an actor or a project, before and after, and when."""
