"""scrubber_mue: built-in plugin (work in progress)."""
