"""Checks and batching for the arrays given to fit / evaluate / predict."""
