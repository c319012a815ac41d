"""Reading field extracts: landing, vendor layouts and the canonical frames they map onto."""
