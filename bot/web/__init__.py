"""The supervisors' dashboard: a Telegram Mini App served by the bot process (Starlette on uvicorn,
on the Application's event loop). Routes read the request, call one service, return JSON."""
