"""Email: MIME parsing into safe text, IMAP fetch, the MTA pipe, SMTP out (docs/intake.md)."""
