"""The decision-makers' dashboard: aggregated figures of the network, charts drawn server-side, CSV and JSON."""
