"""One module per page of the web app; each view parses, calls the store, renders."""
