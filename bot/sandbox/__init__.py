"""The sandbox: the whole bot against an in-process fake Telegram (and Zalo), no token needed.

Only the bot's name is defined here, so the operator commands can print an invite link for the sandbox
without loading it (bot/sandbox/runner.py loads the whole bot).
"""

SANDBOX_BOT_USERNAME = "ChungTaySandboxBot"
