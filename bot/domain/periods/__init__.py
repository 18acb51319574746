"""Periods."""
