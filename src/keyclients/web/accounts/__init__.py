"""Companies, members and their roles; the current company of a request."""
