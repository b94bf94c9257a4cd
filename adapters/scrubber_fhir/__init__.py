"""scrubber_fhir: built-in plugin (work in progress)."""
