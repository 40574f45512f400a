"""Duplicate projects: likely duplicate pairs in the catalogue, the create-time check, and duplicate groups."""

from hub.dedup.matcher import (
    LIKELY_DUPLICATE_THRESHOLD,
    DuplicateIndex,
    Match,
    cluster_matches,
    find_duplicates,
    match_one,
)

__all__ = ["LIKELY_DUPLICATE_THRESHOLD", "DuplicateIndex", "Match", "cluster_matches", "find_duplicates", "match_one"]
