"""sharetribe-migrate: move a legacy marketplace into Sharetribe through Intermediary edn files."""

__version__ = "0.1.0"
