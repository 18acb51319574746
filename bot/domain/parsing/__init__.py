"""Reading what officers type: Vietnamese amounts, counts, dates and one-line quick entries.

Pure functions only (no database, no Telegram), so handlers and services can share them and the
unit tests can pin every phone-typed format down in tables. Import from the modules themselves;
this package re-exports nothing:

- `text` (folding) and `tokens` (one tokeniser for user text and catalogue keywords);
- `matcher`: the one catalogue matcher (categories, organisations, classes, funding, field choices);
- `dates`: the one date grammar (days, periods, weekly times);
- `numbers`: money, quantities and counts (`errors.NumberError` when a figure cannot be read);
- `quick_entry` (with `entry_lexicon` and `entry_reader`): one-line entries.
"""
