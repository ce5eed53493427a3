"""dustmail-lite: a self-hosted temporary-email server speaking the DustMail API."""

__version__ = "0.1.0"
