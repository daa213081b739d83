"""One sub-package per CLI command: its arguments as a dataclass and its click command."""
