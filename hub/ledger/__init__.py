"""The innovation-hours bank: conventions, deposits, uses and stakes on a tamper-evident double-entry ledger."""
