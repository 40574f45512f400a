"""Exchanges: the access point where professionals and patients offer their time, introductions and notifications."""
