"""Zalo as a second channel: the same Application, reached through the Zalo Bot API (docs/zalo.md).

  client.py   a small client of the Zalo Bot API over httpx (no unofficial libraries)
  screens.py  Telegram screens as Zalo text: HTML to plain text, numbered choices, splitting at 2000
  state.py    what is remembered between a screen and the typed answer, and who is who
  inbound.py  Zalo updates to PTB updates (a typed "2" becomes the button press), repeated ones dropped
  outbound.py the request layer that sends calls meant for Zalo chats to Zalo instead of Telegram
  webhook.py  the webhook listener (secret header first, 1 MB cap)
  channel.py  the Zalo channel's life: polling or webhook, started and stopped with the Application
"""
