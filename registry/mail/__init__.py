"""Mail: an outbox written with the change that causes a message, and a sender that
delivers it (SMTP, or .eml files) and retries until the server accepts it."""
