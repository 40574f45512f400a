"""Errors raised by the search engines; messages are in French because they may reach a user."""


class SearchError(Exception):
    """Base class of every error the search package raises on purpose."""


class InvalidQuery(SearchError):
    """The query cannot be answered as asked (unknown filter, wrong type); the message is for the user."""


class InvalidDocument(SearchError):
    """A document handed to the index does not follow search/documents.py."""


class EngineUnavailable(SearchError):
    """The search server cannot be reached (down, refused, timed out)."""


class EngineError(SearchError):
    """The search server answered with an error or a failed task."""
