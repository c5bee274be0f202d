"""Imports of what teams keep elsewhere: a Backstage catalog, people and escalation paths as CSV."""
