"""Audit of access: who read other people's personal data through a privileged page, when, and which ids."""
