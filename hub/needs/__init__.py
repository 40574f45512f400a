"""Needs from the field: raised by anyone, supported, commented, qualified by referents, answered by projects."""
