"""Accounts: people who sign in, their roles, sessions and public profiles."""
