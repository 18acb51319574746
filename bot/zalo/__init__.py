"""Zalo as a second channel: the same Application, reached through the Zalo Bot API.

  client.py   a small client of the Zalo Bot API over httpx (no unofficial libraries)
  screens.py  Telegram screens as Zalo text: HTML to plain text, numbered choices, splitting at 2000
  inbound.py  Zalo updates to PTB updates (a typed "2" becomes the button press), repeated ones dropped
  outbound.py the request layer that sends calls meant for Zalo chats to Zalo instead of Telegram
  channel.py  the Zalo channel's life: polling task, start and stop with the Application
"""
