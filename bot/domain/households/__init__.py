"""Households."""
