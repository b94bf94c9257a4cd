"""scrubber_infusion: built-in plugin (work in progress)."""
