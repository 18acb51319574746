"""The chat's handlers: each reads an update, calls one service (bot/domain), and sends what it renders.

This package's `__init__` imports nothing: the wiring (bot/handlers_wiring.py) registers the handlers, so
importing one handler module never loads the others.
"""
