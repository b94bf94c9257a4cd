"""scrubber_x12: built-in plugin (work in progress)."""
