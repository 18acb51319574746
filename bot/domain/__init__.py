"""The domain: what Chung Tay knows about support, units, periods and figures.

Plain Python over a database session: no Telegram, no markup, no keyboards. `handlers/` reads
updates and renders what these modules return; `bot/` around this package is the wiring
(start-up, configuration, scheduling, the outbox sender, the sandbox)."""
