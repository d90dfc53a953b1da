"""Import members, recipes, comments and likes from the systems Munjigi replaces (issue #16)."""
