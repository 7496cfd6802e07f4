"""Channels customers reach the team on: email in (MTA pipe, IMAP) and out (SMTP).

At the layer of `web` and `jobs`: channels call `calmdesk.actions`, never the other way round.
"""
