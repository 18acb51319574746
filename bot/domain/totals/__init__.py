"""Totals."""
