"""Reading what officers type: Vietnamese amounts, counts, dates and one-line quick entries.

Pure functions only (no database, no Telegram), so handlers and services can share them and the
unit tests can pin every phone-typed format down in tables. Import from the modules themselves
(`bot.parsing.numbers`, `bot.parsing.quick_entry`, `bot.parsing.text`); this package re-exports nothing.
"""
