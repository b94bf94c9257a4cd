"""The one exception tree of claim-scrubber.

Problems *with a claim* are findings, never exceptions. Exceptions are for input the tool
cannot read at all, bad configuration and bugs::

    ScrubberError
     ├── AdapterError(source, position)   unreadable claim file: segment number / JSON pointer
     ├── TableError(source, position)     unreadable or corrupt reference table or store
     ├── ProfileError(source, position)   bad payer profile (unknown key, wrong type)
     └── PluginError(plugin)              a plugin broke its contract (or raised, strict mode)

The CLI turns every ``ScrubberError`` except ``PluginError`` into one line on stderr and exit
code 2; ``PluginError`` is exit code 3.
"""

from __future__ import annotations

__all__ = ["AdapterError", "PluginError", "ProfileError", "ScrubberError", "TableError"]


class ScrubberError(Exception):
    """Base class: every error the tool raises on purpose."""

    def __init__(self, message: str, *, source: str | None = None, position: str | None = None):
        super().__init__(message)
        self.message = message
        self.source = source
        self.position = position

    def located(self, source: str | None = None) -> str:
        """One line naming the file and the position, for the CLI."""
        where = ", ".join(p for p in (source or self.source, self.position) if p)
        return f"{where}: {self.message}" if where else self.message

    def __str__(self) -> str:
        return self.located()


class AdapterError(ScrubberError):
    """A claim file that cannot be read: *position* is a segment number or JSON pointer."""


class TableError(ScrubberError):
    """A reference table file or table store that cannot be read or would be corrupted."""


class ProfileError(ScrubberError):
    """A payer profile that cannot be used: unknown key, wrong type, bad TOML."""


class PluginError(ScrubberError):
    """A plugin broke its contract, or raised while ``strict`` was set."""

    def __init__(self, message: str, *, plugin: str | None = None):
        super().__init__(message, source=None, position=None)
        self.plugin = plugin
