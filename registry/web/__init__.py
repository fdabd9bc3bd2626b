"""What every page and response shares: headers, languages, templates, errors, health."""
